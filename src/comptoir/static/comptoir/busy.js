// Busy state of the forms that post: once sent, a form says it is working ("En cours…",
// announced by screen readers) and ignores more submits until the answer comes, so that a
// slow import, "Affecter à tous les clients", a role rule or a removal is never sent twice.
// A static file, as the Content-Security-Policy allows no inline script. The page says what
// to do with data attributes:
//   <body data-busy-label="…">   the words shown beside the button (translated by the page)
//   <form data-busy="off">       a form that may be sent again at once (none today)
// An htmx form is free again when its request ends; any form is free again when the browser
// shows the page from its back/forward cache.
(function () {
  'use strict'

  const BUSY = 'true'

  function label () {
    return document.body.getAttribute('data-busy-label') || '…'
  }

  function release (form) {
    if (!form || form.getAttribute('aria-busy') !== BUSY) return
    form.removeAttribute('aria-busy')
    form.querySelectorAll('[data-busy-note]').forEach(function (note) { note.remove() })
    form.querySelectorAll('[data-busy-disabled]').forEach(function (button) {
      button.removeAttribute('aria-disabled')
      button.removeAttribute('data-busy-disabled')
    })
  }

  function sending (form) {
    return form instanceof HTMLFormElement && form.method.toLowerCase() === 'post' &&
      form.getAttribute('data-busy') !== 'off'
  }

  // First (capture): a form already on its way ignores the submit (htmx listens after us).
  document.addEventListener('submit', function (event) {
    if (sending(event.target) && event.target.getAttribute('aria-busy') === BUSY) {
      event.preventDefault()
      event.stopImmediatePropagation()
    }
  }, true)

  // Last (bubbling, after the form's own listeners): unless one of them cancelled the submit
  // (htmx cancels it to send the form itself), the form is on its way.
  document.addEventListener('submit', function (event) {
    const form = event.target
    if (!sending(form)) return
    if (event.defaultPrevented && !form.hasAttribute('hx-post')) return
    form.setAttribute('aria-busy', BUSY)
    // aria-disabled, not disabled: a disabled submitter would drop its name and value from
    // what the browser is sending.
    form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')
      .forEach(function (button) {
        button.setAttribute('aria-disabled', 'true')
        button.setAttribute('data-busy-disabled', '')
      })
    const submitter = event.submitter || form.querySelector('[type="submit"]')
    if (submitter) {
      const note = document.createElement('span')
      note.className = 'busy-note'
      note.setAttribute('role', 'status')
      note.setAttribute('data-busy-note', '')
      note.textContent = label()
      submitter.insertAdjacentElement('afterend', note)
    }
  })

  document.addEventListener('htmx:afterRequest', function (event) {
    const form = event.target && event.target.closest ? event.target.closest('form') : null
    release(form)
  })

  window.addEventListener('pageshow', function (event) {
    if (event.persisted) document.querySelectorAll('form[aria-busy="true"]').forEach(release)
  })
})()
