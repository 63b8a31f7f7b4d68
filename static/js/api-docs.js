// Draws /api/v1/openapi.json as plain, accessible HTML: one section per operation, with its
// parameters, its request body's fields and its answers. Text goes in through textContent only.
(function () {
  "use strict";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function resolve(spec, schema) {
    var seen = 0;
    while (schema && schema.$ref && seen < 20) {
      var parts = schema.$ref.replace(/^#\//, "").split("/");
      schema = parts.reduce(function (at, key) { return at ? at[key] : undefined; }, spec);
      seen += 1;
    }
    return schema || {};
  }

  function typeOf(spec, schema) {
    schema = resolve(spec, schema);
    if (schema.enum) return "one of: " + schema.enum.join(", ");
    if (schema.anyOf) return schema.anyOf.map(function (s) { return typeOf(spec, s); }).join(" or ");
    if (schema.type === "array") return "list of " + typeOf(spec, schema.items || {});
    var type = schema.type || (schema.properties ? "object" : "any");
    var limits = [];
    if (schema.minLength !== undefined) limits.push("at least " + schema.minLength + " characters");
    if (schema.maxLength !== undefined) limits.push("at most " + schema.maxLength + (type === "string" ? " characters" : ""));
    if (schema.maxItems !== undefined) limits.push("at most " + schema.maxItems + " items");
    if (schema.minimum !== undefined) limits.push("from " + schema.minimum);
    if (schema.maximum !== undefined) limits.push("to " + schema.maximum);
    return type + (limits.length ? " (" + limits.join(", ") + ")" : "");
  }

  function fieldsTable(spec, caption, rows) {
    var table = el("table");
    table.appendChild(el("caption", caption));
    var head = table.createTHead().insertRow();
    ["Name", "Type", "Required", "Description"].forEach(function (label) {
      var th = el("th", label);
      th.scope = "col";
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      tr.appendChild(el("td")).appendChild(el("code", row.name));
      tr.appendChild(el("td", typeOf(spec, row.schema)));
      tr.appendChild(el("td", row.required ? "yes" : "no"));
      tr.appendChild(el("td", row.description || resolve(spec, row.schema).description || ""));
    });
    return table;
  }

  function operation(spec, path, method, op) {
    var section = el("section");
    var id = (method + path).replace(/[^a-z0-9]+/gi, "-");
    var heading = el("h2");
    heading.id = id;
    heading.appendChild(el("code", method.toUpperCase() + " " + path));
    section.appendChild(heading);
    if (op.summary) section.appendChild(el("p", op.summary));
    if (op.description && op.description !== op.summary) section.appendChild(el("p", op.description));
    section.appendChild(el("p", op.security && op.security.length === 0 ? "Anyone may call this." : "Needs a token or a logged-in session."));
    var parameters = (op.parameters || []).map(function (p) {
      return { name: p.name + " (" + p["in"] + ")", schema: p.schema, required: p.required, description: p.description };
    });
    if (parameters.length) section.appendChild(fieldsTable(spec, "Parameters", parameters));
    var content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (content) {
      var schema = resolve(spec, content.schema);
      var required = schema.required || [];
      var fields = Object.keys(schema.properties || {}).map(function (name) {
        return { name: name, schema: schema.properties[name], required: required.indexOf(name) >= 0 };
      });
      section.appendChild(fieldsTable(spec, "JSON body", fields));
    }
    var answers = el("ul");
    Object.keys(op.responses || {}).sort().forEach(function (status) {
      var answer = op.responses[status];
      answers.appendChild(el("li", status + ": " + (answer.description || "")));
    });
    section.appendChild(el("h3", "Answers"));
    section.appendChild(answers);
    return section;
  }

  function draw(spec) {
    var target = document.getElementById("api-docs");
    target.textContent = "";
    if (spec.info && spec.info.description) target.appendChild(el("p", spec.info.description));
    var contents = el("nav");
    contents.setAttribute("aria-label", "Operations");
    var list = el("ul");
    contents.appendChild(list);
    target.appendChild(contents);
    Object.keys(spec.paths || {}).sort().forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var section = operation(spec, path, method, spec.paths[path][method]);
        var link = el("a", method.toUpperCase() + " " + path);
        link.href = "#" + section.querySelector("h2").id;
        list.appendChild(el("li")).appendChild(link);
        target.appendChild(section);
      });
    });
  }

  fetch("/api/v1/openapi.json", { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(draw)
    .catch(function () {
      document.getElementById("api-docs").textContent = "The description could not be loaded.";
    });
})();
