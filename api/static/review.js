// Keyboard-first review: j/k move between fields, Enter edits, Escape leaves the input,
// Alt+A approves, Alt+R goes to the reject reason. The focused field's box is highlighted.
(function () {
  "use strict";
  const inputs = Array.from(document.querySelectorAll("#approve-form input[data-box]"));
  let current = -1;

  function highlight(input, on) {
    const box = document.getElementById(input.dataset.box);
    if (box) { box.classList.toggle("active", on); if (on) { box.scrollIntoView({ block: "nearest" }); } }
  }
  inputs.forEach(function (input, i) {
    input.addEventListener("focus", function () { current = i; highlight(input, true); });
    input.addEventListener("blur", function () { highlight(input, false); });
  });
  function select(i) {
    if (!inputs.length) { return; }
    current = (i + inputs.length) % inputs.length;
    inputs[current].closest("tr").scrollIntoView({ block: "nearest" });
    inputs[current].focus();
    inputs[current].blur();
    highlight(inputs[current], true);
    document.querySelectorAll("tr.field").forEach(function (row, k) { row.classList.toggle("selected", k === current); });
  }
  document.addEventListener("keydown", function (event) {
    const typing = event.target instanceof HTMLInputElement;
    if (event.altKey && event.key.toLowerCase() === "a") { event.preventDefault(); document.getElementById("approve-form").requestSubmit(); return; }
    if (event.altKey && event.key.toLowerCase() === "r") { event.preventDefault(); document.getElementById("reject-reason").focus(); return; }
    if (typing) { if (event.key === "Escape") { event.target.blur(); } return; }
    if (event.key === "j") { select(current + 1); }
    else if (event.key === "k") { select(current - 1); }
    else if (event.key === "Enter" && current >= 0) { event.preventDefault(); inputs[current].focus(); inputs[current].select(); }
  });
})();
