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
    // A disabled button is not sent: the one clicked travels on as a hidden field.
    const by = event.submitter;
    if (by?.name) {
      const keep = document.createElement('input');
      keep.type = 'hidden';
      keep.name = by.name;
      keep.value = by.value;
      form.append(keep);
    }
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

// Uploads: a form with data-upload sends its file with a progress bar, then shows the page
// the server answers with (the review). Without scripts the form posts as usual.
for (const form of document.querySelectorAll('form[data-upload]')) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (form.dataset.sent) return;
    form.dataset.sent = 'yes';
    const bar = form.querySelector('progress');
    const status = form.querySelector('[role=status]');
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    if (bar) bar.hidden = false;
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((100 * e.loaded) / e.total);
      if (bar) bar.value = pct;
      if (status) status.textContent = pct < 100 ? `Uploading… ${pct} %` : 'Checking the bundle…';
    });
    xhr.addEventListener('load', () => {
      if (xhr.status < 400 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
      } else {
        // The refusal page, with every problem: shown in place of this one.
        const page = new DOMParser().parseFromString(xhr.responseText, 'text/html');
        document.replaceChild(document.adoptNode(page.documentElement), document.documentElement);
      }
    });
    xhr.addEventListener('error', () => {
      delete form.dataset.sent;
      for (const b of form.querySelectorAll('button')) b.disabled = false;
      if (status) status.textContent = 'The upload did not reach Ensemble. Check the connection and try again.';
    });
    xhr.send(new FormData(form));
  });
}
