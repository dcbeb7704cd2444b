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
