// Marks the page as JavaScript-enabled for GOV.UK Frontend (external file: the CSP allows no inline script).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
