// A cluster request's pupil list follows the chosen school: choosing another school reloads the
// form with ?school=<id>, so the pupils listed are that school's (without JavaScript, the links
// above the form do the same).
(function () {
  var select = document.querySelector("select[data-reload-with='school']");
  if (!select) return;
  select.addEventListener("change", function () {
    var url = new URL(window.location.href);
    url.searchParams.set("school", select.value);
    window.location.assign(url.toString());
  });
})();
