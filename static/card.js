// The card payment page: Stripe's card field, confirmed with the checkout's client secret.
// No card number reaches our server; the orders are placed when Stripe's webhook says paid.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") return;
  var stripe = window.Stripe(form.dataset.key);
  var elements = stripe.elements();
  var card = elements.create("card", { hidePostalCode: true });
  var button = document.getElementById("card-pay");
  var error = document.getElementById("card-error");
  card.mount("#card");
  button.disabled = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    stripe
      .confirmCardPayment(form.dataset.secret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          error.textContent = result.error.message || "";
          button.disabled = false;
          return;
        }
        window.location.assign(form.dataset.done);
      });
  });
})();
