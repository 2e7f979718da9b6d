// "Select all on this page" needs a script, so it stays hidden without one.
const selectAll = document.getElementById("suggestions-select-all");
if (selectAll) {
  selectAll.hidden = false;
  selectAll.addEventListener("change", () => {
    for (const box of document.querySelectorAll('#suggestions input[name="suggestion"]')) {
      box.checked = selectAll.checked;
    }
  });
}
