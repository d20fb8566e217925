// Two-factor pages: passkeys (WebAuthn) and printing the recovery codes.
// A static file, as the Content-Security-Policy allows no inline script. It needs allauth's
// mfa/js/webauthn-json.js (window.webauthnJSON), loaded before it. The page says what to do
// with data attributes:
//   [data-passkey-create]       a button: create a passkey for the options in its
//                               data-options (JSON), put it in the form's hidden
//                               input [data-passkey-credential] and submit the form
//                               (data-passwordless-input: id of the "passkey" checkbox)
//   [data-passkey-get]          a button: sign with a passkey for the options in its
//                               data-options (JSON), then submit
//   [data-passkey-login]        a button in a form: fetch the options from the form's action
//                               (GET, JSON), sign, put the answer in the form and submit
//   [data-print]                a button: print the page
// Error texts come from the page (data-error-*), so they are translated like the rest.
(function () {
  'use strict'

  const supported = typeof window.PublicKeyCredential !== 'undefined' && window.webauthnJSON

  function showError (button, error) {
    const target = document.getElementById(button.dataset.errorTarget || '')
    if (!target) return
    const cancelled = error && (error.name === 'NotAllowedError' || error.name === 'AbortError')
    target.textContent = cancelled ? button.dataset.errorCancelled : button.dataset.errorFailed
    target.hidden = false
  }

  function options (button) {
    return JSON.parse(button.dataset.options)
  }

  function submitWith (button, credential) {
    const form = button.form || document.getElementById(button.getAttribute('form'))
    const input = form.querySelector('[data-passkey-credential]')
    input.value = JSON.stringify(credential)
    form.submit()
  }

  async function create (button) {
    const creation = JSON.parse(JSON.stringify(options(button).creation_options))
    const box = document.getElementById(button.dataset.passwordlessInput || '')
    const passwordless = box ? box.checked : false
    const selection = creation.publicKey.authenticatorSelection || {}
    selection.residentKey = passwordless ? 'required' : 'discouraged'
    selection.requireResidentKey = passwordless
    if (passwordless) selection.userVerification = 'required'
    creation.publicKey.authenticatorSelection = selection
    submitWith(button, await window.webauthnJSON.create(creation))
  }

  async function get (button) {
    submitWith(button, await window.webauthnJSON.get(options(button).request_options))
  }

  async function login (button) {
    const response = await fetch(button.form.action, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    if (!response.ok) throw new Error('passkey options: ' + response.status)
    const data = await response.json()
    submitWith(button, await window.webauthnJSON.get(data.request_options))
  }

  function wire (selector, action) {
    document.querySelectorAll(selector).forEach(function (button) {
      if (!supported) {
        const note = document.getElementById(button.dataset.unsupported || '')
        if (note) note.hidden = false
        return
      }
      button.hidden = false
      button.disabled = false
      const label = document.getElementById(button.dataset.label || '')
      if (label) label.hidden = false
      button.addEventListener('click', async function (event) {
        event.preventDefault()
        try {
          await action(button)
        } catch (error) {
          showError(button, error)
        }
      })
    })
  }

  document.addEventListener('DOMContentLoaded', function () {
    wire('[data-passkey-create]', create)
    wire('[data-passkey-get]', get)
    wire('[data-passkey-login]', login)
    document.querySelectorAll('[data-print]').forEach(function (button) {
      button.hidden = false
      button.addEventListener('click', function () { window.print() })
    })
  })
})()
