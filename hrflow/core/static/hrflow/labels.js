// The Material shell's menu button carries an English label in its template; give it the page's language.
document.addEventListener("DOMContentLoaded", function () {
  var label = document.querySelector('meta[name="hf-menu-label"]');
  var button = document.querySelector(".vf-page__menu-toggle");
  if (label && button) button.setAttribute("aria-label", label.content);
});
