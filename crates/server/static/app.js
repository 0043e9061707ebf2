// Ensemble's one script, loaded by every page (the pages work without it).
// Times: each <time datetime="…"> is shown in the reader's own time zone.
for (const t of document.querySelectorAll('time[datetime]')) {
  const d = new Date(t.getAttribute('datetime'));
  if (!Number.isNaN(d.getTime())) {
    t.title = t.getAttribute('datetime');
    t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
}
