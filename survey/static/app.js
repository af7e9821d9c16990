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

// Money tables: the TOTAL row adds up as the respondent types. The figures are read as the
// server reads them (survey/questionnaire/money.py: whole pounds, a pound sign, thousands
// separators, a minus or an accountant's brackets, zero pence); a figure it cannot read leaves
// the total blank rather than wrong. The saved total is always the server's.
const MONEY = /^(-)?£?(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0{1,2})?$/;
const BRACKETS = /^£?\(£?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0{1,2})?\)$/;
const readMoney = (text) => {
  const cleaned = text.replace(/[\s\u00a0]/g, "");
  if (!cleaned) return 0;
  const plain = MONEY.exec(cleaned);
  if (plain && !(plain[1] && plain[2])) {
    const amount = Number(plain[3].replace(/,/g, ""));
    return plain[1] || plain[2] ? -amount : amount;
  }
  const bracketed = BRACKETS.exec(cleaned);
  return bracketed ? -Number(bracketed[1].replace(/,/g, "")) : null;
};
const showMoney = (amount) => `${amount < 0 ? "-" : ""}£${Math.abs(amount).toLocaleString("en-GB")}`;
const addUp = (cellId) => {
  const cell = document.getElementById(cellId);
  if (!cell) return;
  let sum = 0;
  let typed = false;
  for (const input of document.querySelectorAll(`input[data-total="${CSS.escape(cellId)}"]`)) {
    const amount = readMoney(input.value);
    if (amount === null) {
      cell.textContent = "";
      cell.title = "Shown when every figure in the column is in whole pounds";
      return;
    }
    typed ||= input.value.trim() !== "";
    sum += amount;
  }
  cell.removeAttribute("title");
  cell.textContent = typed ? showMoney(sum) : "";
};
document.addEventListener("input", (event) => {
  const cellId = event.target.dataset?.total;
  if (cellId) addUp(cellId);
});
for (const cellId of new Set([...document.querySelectorAll("input[data-total]")].map((i) => i.dataset.total))) {
  addUp(cellId);
}

// Long dropdowns (the dropdown question type): GOV.UK's accessible-autocomplete turns the plain
// <select> into a type-ahead (build/accessible-autocomplete.min.js, loaded before this module).
// Without JavaScript the <select> works as it is. The select stays in the form and is what is
// posted; emptying the type-ahead empties the answer too (the library would keep the last choice).
// Its own words come from the page (data-t-*, the engine's texts in the page's language), with
// %{field} places filled in here.
const autocomplete = window.accessibleAutocomplete;
const filled = (text, values) => text.replace(/%\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
for (const select of document.querySelectorAll('select[data-module="app-autocomplete"]')) {
  if (!autocomplete) break;
  const id = select.id;
  const t = select.dataset;
  autocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: "",
    showAllValues: true,
    tNoResults: () => t.tNoResults,
    tStatusQueryTooShort: (count) => filled(t.tTooShort, { count }),
    tStatusNoResults: () => t.tNone,
    tStatusSelectedOption: (option, count, index) => filled(t.tHighlighted, { option, position: index + 1, count }),
    tStatusResults: (count, highlighted) =>
      filled(count === 1 ? t.tResultsOne : t.tResultsOther, { count, highlighted }),
    tAssistiveHint: () => t.tHint,
  });
  select.form?.addEventListener("submit", () => {
    const input = document.getElementById(id);
    if (input && input.value.trim() === "") select.value = "";
  });
}
