// What nhsuk/template.jinja does in an inline script, from a file (the content security
// policy allows scripts from Candour's own origin only). Pages work without it.
// The semicolon lets collectstatic rewrite the path to the file's hashed name
// (candour/config/static.py).
import { initAll } from '../nhsuk/nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()

// nhsuk-frontend marks a radio with a conditional reveal `aria-expanded`, which ARIA does
// not allow on a radio (axe-core: aria-allowed-attr; GOV.UK Frontend dropped it for that
// reason). `aria-controls` still ties the radio to what it reveals. The library sets it
// again on every click and on pageshow; these listeners run after its own.
function dropExpandedFromRadios () {
  document.querySelectorAll('input[type="radio"][aria-expanded]').forEach((radio) => {
    radio.removeAttribute('aria-expanded')
  })
}
dropExpandedFromRadios()
document.addEventListener('click', dropExpandedFromRadios)
window.addEventListener('pageshow', dropExpandedFromRadios)
