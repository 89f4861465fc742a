// Times are written on the server in UTC ("6 Dec 2026, 09:30 UTC"): here each is shown in the reader's
// own zone, the UTC form kept as its tooltip. Without this script the page reads the same, in UTC.
(function () {
  "use strict";
  var dated = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short",
  });
  var timeOnly = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  var times = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i++) {
    var element = times[i];
    var text = element.textContent.trim();
    if (!/ UTC$/.test(text)) continue; // "3 hours ago" and the like read the same in every zone
    var when = new Date(element.getAttribute("datetime"));
    if (isNaN(when.getTime())) continue;
    element.title = text;
    element.textContent = (/^\d{1,2}:\d{2} UTC$/.test(text) ? timeOnly : dated).format(when);
  }
})();
