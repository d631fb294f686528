// What nhsuk/template.jinja does in an inline script, from a file (the content security
// policy allows scripts from Candour's own origin only). Pages work without it.
import { initAll } from '../nhsuk/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()
