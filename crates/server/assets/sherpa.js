// The navigation's menus: one open at a time, closed by a click elsewhere or Escape. Without
// this script every menu still opens and closes with a click.
document.addEventListener('DOMContentLoaded', () => {
  const groups = [...document.querySelectorAll('header.bar details.group')];
  const closeAll = (except) => groups.forEach((g) => { if (g !== except) g.open = false; });
  groups.forEach((g) => g.addEventListener('toggle', () => { if (g.open) closeAll(g); }));
  document.addEventListener('click', (e) => {
    if (!e.target.closest('header.bar details.group')) closeAll(null);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeAll(null);
  });
});

// The header's search: as a person types, the matches drop down under the box (the server
// renders them); arrow keys move through them, Enter follows one, Escape closes the list.
// Without this script the box is a form that opens the search page.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('header.bar form.find');
  if (!form) return;
  const input = form.querySelector('input[name="q"]');
  const list = form.querySelector('.find-list');
  let timer = null;
  let asked = 0;
  const links = () => [...list.querySelectorAll('a')];
  const show = (on) => {
    list.hidden = !on;
    input.setAttribute('aria-expanded', on ? 'true' : 'false');
  };
  const ask = async () => {
    const q = input.value.trim();
    if (q.length < 2) { show(false); return; }
    const mine = ++asked;
    const r = await fetch(`/search?partial=1&q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
    if (mine !== asked || !r.ok) return;
    list.innerHTML = await r.text();
    show(true);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  form.addEventListener('keydown', (e) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && all.length) {
      e.preventDefault();
      all[Math.min(at + 1, all.length - 1)].focus();
    } else if (e.key === 'ArrowUp' && all.length) {
      e.preventDefault();
      if (at <= 0) input.focus(); else all[at - 1].focus();
    } else if (e.key === 'Escape') {
      show(false);
      input.focus();
    }
  });
  document.addEventListener('click', (e) => { if (!form.contains(e.target)) show(false); });
  input.addEventListener('focus', () => { if (list.innerHTML.trim() && input.value.trim().length >= 2) show(true); });
});

// "All on this page" ticks every row a bulk form acts on. Without the script the box stays
// hidden: rows are ticked one by one.
document.querySelectorAll('[data-tick-all]').forEach((box) => {
  const rows = () => document.querySelectorAll(`input[type=checkbox][form="${box.dataset.tickAll}"]`);
  box.closest('label').hidden = false;
  box.addEventListener('change', () => rows().forEach((r) => { r.checked = box.checked; }));
});

// A field that names a team member suggests people as a person types: its list is filled
// from the team (a few matches at a time), so no page carries the whole team. Without this
// script a full name or email typed in the field works all the same.
document.querySelectorAll('input[data-people]').forEach((input) => {
  const list = document.getElementById(input.getAttribute('list'));
  if (!list) return;
  let timer = null;
  let asked = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2) return;
      const mine = ++asked;
      const r = await fetch(`/search/people?q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
      if (mine === asked && r.ok) list.innerHTML = await r.text();
    }, 150);
  });
});
