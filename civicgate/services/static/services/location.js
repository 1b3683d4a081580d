// "Use my location": fills the form's hidden latitude and longitude from the browser.
(function () {
  var button = document.querySelector("[data-locate]");
  if (!button) return;
  var status = document.querySelector("[data-locate-status]");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  function say(text) { if (status) status.textContent = text; }
  if (lat.value && lon.value) say(button.dataset.done + " " + lat.value + ", " + lon.value);
  if (!("geolocation" in navigator)) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    say(button.dataset.finding);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        say(button.dataset.done + " " + lat.value + ", " + lon.value);
      },
      function () { say(button.dataset.failed); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
