// "Select all on this page" needs a script, so it stays hidden without one. The results are
// replaced in place (search, paging, Link instead), so the box is looked up on each change.
document.addEventListener("change", (event) => {
  if (event.target.id !== "import-select-page") return;
  for (const box of document.querySelectorAll('#import-form input[name="record"]')) {
    box.checked = event.target.checked;
  }
});
function importSelectShow() {
  const selectPage = document.getElementById("import-select-page");
  if (selectPage) selectPage.hidden = false;
}
importSelectShow();
document.addEventListener("htmx:afterSettle", importSelectShow);
