// The console's glue: show the chosen backend's credentials, and json-editor for an action's input.
(function () {
  "use strict";

  function showBackend(form) {
    var select = form.querySelector("select[name=backend]");
    var backend = (select && select.value) || "mws";
    form.querySelectorAll("[data-backend]").forEach(function (el) {
      var wrapper = el.parentElement && el.parentElement.hasAttribute("data-hidden-backend") ? el.parentElement : el;
      wrapper.hidden = el.getAttribute("data-backend") !== backend;
    });
  }

  var editor = null;

  function startEditor() {
    var holder = document.getElementById("input-editor");
    var source = document.getElementById("in-schema");
    if (!holder || !source) { return; }
    var value = editor ? editor.getValue() : undefined;
    if (editor) { editor.destroy(); editor = null; }
    var schema = JSON.parse(source.textContent || "{}");
    if (!schema || !Object.keys(schema).length) { holder.textContent = "This action takes no input."; return; }
    holder.textContent = "";
    editor = new JSONEditor(holder, {
      schema: schema, theme: "html", iconlib: null, disable_edit_json: false, disable_properties: false,
      show_errors: "interaction", prompt_before_delete: false, display_required_only: false
    });
    if (value !== undefined) { editor.on("ready", function () { try { editor.setValue(value); } catch (e) { /* schema changed */ } }); }
    window.consoleEditor = editor;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-backend-form]").forEach(showBackend);
    startEditor();
  });
  document.addEventListener("change", function (event) {
    if (event.target.name === "backend") { showBackend(event.target.form); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    document.querySelectorAll("[data-backend-form]").forEach(showBackend);
    if (event.detail.target && event.detail.target.id === "metadata") { startEditor(); }
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (editor && document.getElementById("body")) {
      event.detail.parameters.body = JSON.stringify(editor.getValue());
    }
  });
})();
