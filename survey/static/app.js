// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// GOV.UK Frontend puts aria-expanded on radios that reveal a follow-up question ("Other (please
// specify)"). ARIA does not allow that attribute on radios, so assistive technologies may ignore
// or misreport it (axe: aria-allowed-attr, critical). The revealed question comes straight after
// its radio in reading and tab order, so removing the attribute loses nothing; aria-controls stays.
const radioExpanded = 'input[type="radio"][aria-expanded]';
const dropRadioExpanded = (root) => {
  for (const radio of root.querySelectorAll(radioExpanded)) radio.removeAttribute("aria-expanded");
};
dropRadioExpanded(document);
new MutationObserver((records) => {
  for (const record of records) {
    if (record.target.matches?.(radioExpanded)) record.target.removeAttribute("aria-expanded");
  }
}).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["aria-expanded"] });

// Long dropdowns (the dropdown question type): GOV.UK's accessible-autocomplete turns the plain
// <select> into a type-ahead (build/accessible-autocomplete.min.js, loaded before this module).
// Without JavaScript the <select> works as it is. The select stays in the form and is what is
// posted; emptying the type-ahead empties the answer too (the library would keep the last choice).
const autocomplete = window.accessibleAutocomplete;
for (const select of document.querySelectorAll('select[data-module="app-autocomplete"]')) {
  if (!autocomplete) break;
  const id = select.id;
  autocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: "",
    showAllValues: true,
  });
  select.form?.addEventListener("submit", () => {
    const input = document.getElementById(id);
    if (input && input.value.trim() === "") select.value = "";
  });
}
