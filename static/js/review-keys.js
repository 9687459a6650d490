/*
 * The review form, enhanced: questions appear as the decision tree reaches them, and the
 * keyboard answers, saves and moves between cases. Without this script every applicable
 * question is shown and the server refuses contradictions, so nothing here is required.
 *
 * The tree is not repeated here: each question carries data-requires (the question that
 * must be answered "yes" before it is asked), written by the server from decisions.py.
 */
(function () {
  "use strict";

  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
    // As GOV.UK's error summary does: a link to a question puts focus on its answer, not
    // only the page's scroll position on the question.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var group = link && document.getElementById(link.hash.slice(1));
      if (!group || !group.classList.contains("form-group")) { return; }
      var field = group.classList.contains("review-question") ? radioToFocus(group) :
        group.querySelector("select, textarea, input:not([type=hidden])");
      if (field) {
        event.preventDefault();
        group.scrollIntoView();
        field.focus({preventScroll: true});
      }
    });
  }

  var form = document.querySelector("[data-review-form]");
  var questions = form ? Array.prototype.slice.call(form.querySelectorAll(".review-question")) : [];
  var byField = {};
  questions.forEach(function (q) { byField[q.dataset.field] = q; });

  // "" when unanswered; the "not applicable" choice ("na") counts as unanswered too.
  function answerOf(question) {
    var checked = question.querySelector("input[type=radio]:checked");
    return checked && checked.value !== "na" ? checked.value : "";
  }

  function isShown(question) { return !question.hidden; }

  function setAnswer(question, value) {
    var radio = question.querySelector('input[type=radio][value="' + value + '"]');
    if (radio) { radio.checked = true; }
  }

  // Show a question only when the one it depends on is shown and answered yes; a hidden
  // question loses its answer, so what is submitted never contradicts the tree.
  function applyTree() {
    questions.forEach(function (q) {
      var requires = q.dataset.requires;
      var shown = !requires || (byField[requires] && isShown(byField[requires]) &&
        answerOf(byField[requires]) === "yes");
      q.hidden = !shown;
      if (!shown) { setAnswer(q, "na"); }
    });
    markCurrent();
  }

  function visible() { return questions.filter(isShown); }

  var current = null;
  function markCurrent(preferred) {
    var candidates = visible();
    current = preferred && isShown(preferred) ? preferred :
      candidates.filter(function (q) { return answerOf(q) === ""; })[0] || null;
    questions.forEach(function (q) { q.classList.toggle("is-current", q === current); });
  }

  function answerCurrent(value) {
    var focused = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".review-question");
    var target = focused && isShown(focused) ? focused : current;
    if (!target) { return; }
    setAnswer(target, value);
    applyTree();
    // Move on to the next question still to answer, after the one just answered.
    var after = visible().filter(function (q) {
      return answerOf(q) === "" &&
        (target.compareDocumentPosition(q) & Node.DOCUMENT_POSITION_FOLLOWING);
    })[0];
    markCurrent(after || null);
    // Focus goes with the highlight, so a screen reader reads out the question the next
    // key answers, not only a sighted user's blue bar.
    var focusOn = radioToFocus(after || target);
    if (focusOn) { focusOn.focus(); }
  }

  // Where the keyboard lands in a question: its answer, else its first choice. Never the
  // hidden "not applicable" radio (checked on every hidden question): focusing a hidden
  // input does nothing, and focus would be left behind on the page.
  function radioToFocus(question) {
    var radios = Array.prototype.filter.call(
      question.querySelectorAll("input[type=radio]"),
      function (radio) { return radio.value !== "na"; }
    );
    return radios.filter(function (radio) { return radio.checked; })[0] || radios[0] || null;
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.assign(link.href); }
  }

  function typing(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(radio|checkbox|submit|button)$/.test(element.type));
  }

  if (form) {
    form.classList.add("review-form--enhanced");
    form.addEventListener("change", function (event) {
      if (event.target.type === "radio") { applyTree(); }
    });
    applyTree();
  }

  // The case table's "select every case on this page" box, for bulk assignment.
  var selectAll = document.querySelector(".select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll('input[form="assign-form"][type=checkbox]').forEach(function (box) {
        box.checked = selectAll.checked;
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      // Ctrl+Enter in the notes saves, as "s" does elsewhere.
      if (form && event.ctrlKey && event.key === "Enter") {
        event.preventDefault();
        document.getElementById("save-next").click();
      }
      return;
    }
    var key = event.key.toLowerCase();
    if (form && key === "y") { event.preventDefault(); answerCurrent("yes"); }
    else if (form && key === "n") { event.preventDefault(); answerCurrent("no"); }
    else if (form && key === "s") { event.preventDefault(); document.getElementById("save-next").click(); }
    else if (key === "]") { event.preventDefault(); follow("next-case"); }
    else if (key === "[") { event.preventDefault(); follow("previous-case"); }
  });
})();
