// The top bar's menus are <details>: they open and close without script. This only
// closes an open menu on a click elsewhere or on Escape, as people expect of a menu.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.navgroup[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = document.activeElement?.closest("details.navgroup[open]")
    || document.querySelector("details.navgroup[open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
