// While someone types a question, show similar public answered questions (debounced).
(function () {
  "use strict";
  var box = document.getElementById("similar-questions");
  if (!box) { return; }
  var list = box.querySelector("ul");
  var fields = [document.getElementById("title"), document.getElementById("body")].filter(Boolean);
  var timer = null;
  var last = "";

  function render(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;        // text, never HTML
      a.target = "_blank";
      a.rel = "noopener";
      li.appendChild(a);
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  function lookup() {
    var text = fields.map(function (f) { return f.value; }).join("\n").trim();
    if (text.length < 12 || text === last) { return; }
    last = text;
    fetch(box.dataset.url + "?q=" + encodeURIComponent(text.slice(0, 2000)), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (data) { if (text === last) { render(data.items || []); } })
      .catch(function () { /* suggestions are a help, not a requirement */ });
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 350);
    });
  });
})();
