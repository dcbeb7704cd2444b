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

// A table a page holds whole (class "sortable") sorts in the browser: a press on a column's
// header orders its rows by that column, a second press the other way. Columns marked "num"
// compare as numbers ("$1,234", "75%", "-3"); others as text, digits by their value. Rows
// keep their order among equals, and a row without a value comes last either way. Lists a
// page shows in parts (the portfolio, the audit log) sort on the server instead.
document.querySelectorAll('table.sortable').forEach((table) => {
  const head = table.tHead && table.tHead.rows[0];
  const body = table.tBodies[0];
  if (!head || !body) return;
  const rows = [...body.rows];
  rows.forEach((r, i) => { r.dataset.place = i; });
  // A column whose words have an order of their own (data-order="urgent high normal low")
  // sorts by it; one marked data-reverse sorts its values the other way ("3 min ago" by the
  // time it names).
  const value = (row, i, numeric, order) => {
    const cell = row.cells[i];
    const text = cell ? (cell.dataset.sort ?? cell.textContent).trim() : '';
    if (order) {
      const at = order.indexOf(text.toLowerCase());
      return at < 0 ? null : at;
    }
    if (!numeric) return text === '' || text === '–' ? null : text;
    const n = parseFloat(text.replace(/[^0-9.\-]/g, ''));
    return Number.isNaN(n) ? null : n;
  };
  [...head.cells].forEach((th, i) => {
    if (th.querySelector('a, button') || th.hasAttribute('data-no-sort')) return;
    const order = th.dataset.order ? th.dataset.order.split(' ') : null;
    const numeric = th.classList.contains('num') || order !== null;
    const reverse = th.hasAttribute('data-reverse');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'th-sort';
    button.append(...th.childNodes);
    th.append(button);
    th.setAttribute('aria-sort', 'none');
    button.addEventListener('click', () => {
      const descending = th.getAttribute('aria-sort') === 'ascending';
      [...head.cells].forEach((c) => { if (c.hasAttribute('aria-sort')) c.setAttribute('aria-sort', 'none'); });
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      const sorted = [...body.rows].sort((a, b) => {
        const x = value(a, i, numeric, order);
        const y = value(b, i, numeric, order);
        if (x === null || y === null) {
          return (x === null) - (y === null) || a.dataset.place - b.dataset.place;
        }
        const o = numeric ? x - y : x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' });
        return (descending !== reverse ? -o : o) || a.dataset.place - b.dataset.place;
      });
      body.append(...sorted);
    });
  });
});
