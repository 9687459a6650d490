// Once the library's script has registered a key, go on: the enrol page to making
// recovery codes, the sign-in page back to itself to list the new key.
document.addEventListener("otp_webauthn.register_complete", () => {
  const holder = document.querySelector("[data-after-register]");
  if (holder && holder.dataset.afterRegister) {
    window.location.assign(holder.dataset.afterRegister);
  }
});
