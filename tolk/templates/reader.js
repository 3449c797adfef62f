// Pointing at or focusing a sentence highlights it and its counterpart in the other language.
(function () {
  "use strict";
  function mark(target, name, on) {
    var sentence = target.closest ? target.closest("[data-pair]") : null;
    if (!sentence) return;
    var pair = document.querySelectorAll('[data-pair="' + sentence.dataset.pair + '"]');
    for (var i = 0; i < pair.length; i++) pair[i].classList.toggle(name, on);
  }
  document.addEventListener("mouseover", function (e) { mark(e.target, "hl", true); });
  document.addEventListener("mouseout", function (e) { mark(e.target, "hl", false); });
  document.addEventListener("focusin", function (e) { mark(e.target, "hl-focus", true); });
  document.addEventListener("focusout", function (e) { mark(e.target, "hl-focus", false); });
})();
