// Counter lookup: once the clerk starts a new search, the answer on screen is about the previous
// company. It is marked as an earlier answer and moves below the new results, so it is not read as
// the next customer's; it stays (a release asked for it may still be answered there). A new answer
// replaces it. (A static file: the CSP allows no inline script.)
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches(".counter-search")) return;
    var answer = document.getElementById("answer");
    if (!answer || !answer.querySelector(".answer[data-outcome]")) return;
    answer.classList.add("earlier");
    var label = answer.querySelector(".earlier-label");
    if (label) label.hidden = false;
  });
})();
