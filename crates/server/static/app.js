// Ensemble's one script, loaded by every page (the pages work without it).
// Times: each <time datetime="…"> is shown in the reader's own time zone.
for (const t of document.querySelectorAll('time[datetime]')) {
  const d = new Date(t.getAttribute('datetime'));
  if (!Number.isNaN(d.getTime())) {
    t.title = t.getAttribute('datetime');
    t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
}

// Changes that are hard to undo: a form with data-confirm="question" asks first, in the page's
// dialog, naming what it changes. Its hidden "confirmed" field says yes only after the reader
// does; without this script the server asks on a page of its own.
const dialog = document.getElementById('confirm-dialog');
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    const confirmed = form.querySelector('input[name="confirmed"]');
    if (!dialog || !confirmed || confirmed.value === 'yes') return;
    event.preventDefault();
    event.stopImmediatePropagation();
    document.getElementById('confirm-question').textContent = form.dataset.confirm;
    document.getElementById('confirm-detail').textContent = form.dataset.confirmDetail || '';
    document.getElementById('confirm-yes').textContent = form.dataset.confirmYes || 'Confirm';
    dialog.returnValue = '';
    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'yes') {
        confirmed.value = 'yes';
        form.requestSubmit();
      }
    }, { once: true });
    dialog.showModal();
  }, true);
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

// A table too wide for the screen scrolls sideways in its frame; the frame then takes the
// keyboard's focus (so that arrow keys scroll it) and is named after its table.
for (const wrap of document.querySelectorAll('.table-wrap')) {
  if (wrap.scrollWidth > wrap.clientWidth) {
    const table = wrap.querySelector('table');
    const caption = table?.querySelector('caption')?.textContent?.trim();
    const heading = table?.querySelector('th')?.textContent?.trim();
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', `${caption || heading || 'Table'} (scrolls sideways)`);
  }
}
