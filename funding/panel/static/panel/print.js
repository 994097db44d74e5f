// "Print this letter" buttons: no inline script (CSP), so the handler is attached here.
document.querySelectorAll("[data-panel-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
