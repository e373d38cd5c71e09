/*
 * Site search: Material's search dialog (partials/search.html), answered by
 * Pagefind (servicetips.search writes its bundle into /pagefind/); this file is
 * listed under extra_javascript in mkdocs.yml.
 *
 * Hand-written rather than Pagefind's own UI, so the search keeps Material's
 * header field, look (both colour schemes) and keyboard use: `/` or `s`
 * opens it, arrow keys move through the results, Enter opens one, Escape
 * closes. Nothing of Pagefind is fetched before the reader opens the search:
 * pagefind.js, its WebAssembly and the index chunks load on first use.
 *
 * Results are built as DOM nodes with textContent: titles, summaries and tags
 * are text, never markup. The excerpt's only markup is Pagefind's <mark>
 * around the words found; everything else in it is inserted as text.
 *
 * A page opened from a result gets `?highlight=`: Pagefind's highlight script
 * (loaded only then) marks the words on that page.
 */
(function () {
  "use strict";

  var RESULTS_SHOWN = 10;
  var root = document.querySelector("[data-tips-search]");
  var toggle = document.getElementById("__search");
  if (!root || !toggle) return;
  var input = root.querySelector(".md-search__input");
  var form = root.querySelector(".md-search__form");
  var meta = root.querySelector(".md-search-result__meta");
  var list = root.querySelector(".md-search-result__list");
  var bundle = new URL(root.getAttribute("data-bundle"), document.baseURI).href;
  var pagefind = null;
  var latest = 0;

  /* Pagefind's module, imported and set up once, on first use. */
  function load() {
    if (!pagefind) {
      pagefind = import(bundle + "pagefind.js").then(function (module) {
        return module.options({ highlightParam: "highlight", excerptLength: 24 }).then(function () {
          module.init();
          return module;
        });
      });
      pagefind.catch(function () { pagefind = null; });
    }
    return pagefind;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* The excerpt as nodes: Pagefind's <mark> kept as an element, the rest text.
     Pagefind builds it from the page's text with only < and > escaped (not &),
     so exactly those two are undone; nothing in it is ever parsed as HTML. */
  function excerpt(html) {
    var paragraph = element("p");
    var parts = String(html || "").split(/(<mark>|<\/mark>)/);
    var marked = false;
    parts.forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) return;
      var text = document.createTextNode(part.replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
      if (marked) {
        var mark = element("mark");
        mark.appendChild(text);
        paragraph.appendChild(mark);
      } else {
        paragraph.appendChild(text);
      }
    });
    return paragraph;
  }

  function resultItem(data) {
    var item = element("li", "md-search-result__item");
    var link = element("a", "md-search-result__link");
    link.href = data.url;
    link.tabIndex = -1;
    var article = element("article", "md-search-result__article md-typeset");
    article.appendChild(element("h1", null, (data.meta && data.meta.title) || data.url));
    if (data.meta && data.meta.summary) {
      article.appendChild(element("p", "tips-search-summary", data.meta.summary));
    }
    article.appendChild(excerpt(data.excerpt));
    var tags = [];  // tag1, tag2, ... in the tip's order (see main.html)
    for (var n = 1; data.meta && data.meta["tag" + n]; n++) tags.push(data.meta["tag" + n]);
    if (tags.length) {
      var nav = element("div", "md-tags");  // not a <nav>: one landmark per result would be noise
      tags.forEach(function (tag) { nav.appendChild(element("span", "md-tag", tag)); });
      article.appendChild(nav);
    }
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function count(total) {
    if (total === 0) return root.getAttribute("data-none");
    if (total === 1) return root.getAttribute("data-one");
    return root.getAttribute("data-other").replace("#", String(total));
  }

  function show(text, items) {
    meta.textContent = text;
    list.replaceChildren.apply(list, items || []);
  }

  /* Results from `start` on, RESULTS_SHOWN at a time (each needs its own fragment
     fetched), then a button for the next ones. Returns the first new link. */
  function append(results, start, ticket) {
    var page = results.slice(start, start + RESULTS_SHOWN);
    return Promise.all(page.map(function (r) { return r.data(); })).then(function (data) {
      if (ticket !== latest) return null;
      var old = list.querySelector(".tips-search-more");
      if (old) old.parentNode.remove();
      var items = data.map(resultItem);
      items.forEach(function (item) { list.appendChild(item); });
      var rest = results.length - start - page.length;
      if (rest > 0) {
        var more = element("button", "md-search-result__more tips-search-more", root.getAttribute("data-more"));
        more.type = "button";
        more.tabIndex = -1;
        more.addEventListener("click", function () {
          append(results, start + RESULTS_SHOWN, ticket).then(function (link) { if (link) link.focus(); });
        });
        var holder = element("li", "md-search-result__item");
        holder.appendChild(more);
        list.appendChild(holder);
      }
      return items.length ? items[0].querySelector("a") : null;
    });
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) { show(root.getAttribute("data-placeholder")); return; }
    load().then(function (module) {
      return module.debouncedSearch(query, {}, 120);
    }).then(function (found) {
      if (found === null || ticket !== latest) return null;  // a newer query took over
      show(count(found.results.length));
      return append(found.results, 0, ticket);
    }).catch(function () {
      if (ticket === latest) show(root.getAttribute("data-none"));
    });
  }

  /* What the arrow keys move through: the result links, then the button for more. */
  function links() {
    return Array.prototype.slice.call(list.querySelectorAll(".md-search-result__link, .tips-search-more"));
  }

  function open() {
    if (!toggle.checked) toggle.checked = true;
    load();
  }

  function close() {
    toggle.checked = false;
    input.blur();
  }

  input.addEventListener("focus", function () {
    open();
    search();
  });
  input.addEventListener("input", search);
  form.addEventListener("reset", function () { setTimeout(search, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  /* The header's search button (a <label> for the toggle) opens the dialog on small screens. */
  toggle.addEventListener("change", function () {
    if (toggle.checked) input.focus();
    else input.blur();
  });

  document.addEventListener("keydown", function (event) {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    var active = document.activeElement;
    var inSearch = toggle.checked && root.contains(active);
    if (!inSearch) {
      var typing = active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
      if (!typing && (event.key === "/" || event.key === "s" || event.key === "S")) {
        event.preventDefault();
        input.focus();
        input.select();
      }
      return;
    }
    var all = links();
    var at = all.indexOf(active);
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (at === -1) next = event.key === "ArrowDown" ? 0 : all.length - 1;
      if (next < 0 || next >= all.length) input.focus();
      else all[next].focus();
    } else if (event.key === "Enter" && active === input && all.length) {
      event.preventDefault();
      all[0].click();
    } else if (event.key.length === 1 && event.key !== " " && active !== input) {
      input.focus();  // typing while a result has focus goes on in the field
    }
  });

  /* Opened from a result: mark the words searched for on this page. */
  if (new URLSearchParams(location.search).has("highlight")) {
    import(bundle + "pagefind-highlight.js").then(function () {
      new window.PagefindHighlight({ highlightParam: "highlight" });
    }).catch(function () { /* the page reads fine without the marks */ });
  }
})();
