/* "Copy link" for tip and week pages (those with a .tip-meta byline).
   Added by script, and only where the Clipboard API exists, so a page
   without JavaScript or without clipboard access shows no dead control.
   The link copied is the page's canonical address. A live region says
   when it is copied, for screen readers as for everyone. */
(function () {
  "use strict";

  function pageUrl() {
    var canonical = document.querySelector('link[rel="canonical"]');
    var url = canonical ? canonical.href : window.location.href;
    return url.split("#")[0];
  }

  function addButton() {
    if (!navigator.clipboard || !window.isSecureContext) return;
    var meta = document.querySelector("article .tip-meta");
    if (!meta || meta.querySelector(".tip-copy-link")) return;
    var line = document.createElement("p");
    var button = document.createElement("button");
    var status = document.createElement("span");
    button.type = "button";
    button.className = "md-button tip-copy-link";
    button.textContent = "Copy link";
    button.setAttribute("aria-label", "Copy link to this page");
    status.className = "tip-copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pageUrl()).then(function () {
        status.textContent = "Link copied";
      }, function () {
        status.textContent = "Could not copy the link; copy it from the address bar";
      });
    });
    line.appendChild(button);
    line.appendChild(status);
    meta.appendChild(line);
  }

  // Material re-renders the page on instant navigation and announces it on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(addButton);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addButton);
  } else {
    addButton();
  }
})();
