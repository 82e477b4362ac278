// Keep the trending table current: the server sends the table again whenever the corpus changes.
(function () {
  const body = document.querySelector("#trending tbody");
  const status = document.getElementById("status");
  function cell(text, numeric) {
    const td = document.createElement("td");
    if (numeric) td.className = "n";
    td.textContent = text;
    return td;
  }
  function show(table) {
    document.getElementById("now").textContent = table.now || "no posts yet";
    const rows = table.tags.map(function (r) {
      const tr = document.createElement("tr");
      const tag = cell(r.href ? "" : r.tag, false);
      if (r.href) {  // the server's link (web/tags.py): none for a stored tag that names no campaign
        const link = document.createElement("a");
        link.href = r.href;
        link.textContent = r.tag;
        tag.appendChild(link);
      }
      tr.append(cell(r.rank, true), tag, cell(r.posts, true), cell(r.baseline, true), cell(r.ratio, true));
      return tr;
    });
    body.replaceChildren.apply(body, rows);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }
  const source = new EventSource("/api/trending/stream");
  source.addEventListener("trending", function (event) { show(JSON.parse(event.data)); status.textContent = "live"; });
  source.onerror = function () { status.textContent = "reconnecting…"; };
})();
