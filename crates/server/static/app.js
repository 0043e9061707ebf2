// Ensemble's one script, loaded by every page (the pages work without it).
// Times: each <time datetime="…"> is shown in the reader's own time zone.
for (const t of document.querySelectorAll('time[datetime]')) {
  const d = new Date(t.getAttribute('datetime'));
  if (!Number.isNaN(d.getTime())) {
    t.title = t.getAttribute('datetime');
    t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
}

// Long work: a form with data-busy="ID" shows the element ID (a status line) and disables its
// buttons when sent, so that a second click does not send it twice.
for (const form of document.querySelectorAll('form[data-busy]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = 'yes';
    const status = document.getElementById(form.dataset.busy);
    if (status) status.hidden = false;
    for (const b of form.querySelectorAll('button')) b.disabled = true;
  });
}
