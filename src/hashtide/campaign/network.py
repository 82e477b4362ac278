"""The account network of a campaign, for Gephi and friends: GEXF, GraphML or a CSV edge list.

Nodes are accounts (shown by the privacy policy: pseudonyms below the public threshold), edges go
from an account to the account it reposted, replied to or quoted within the campaign (see
:func:`hashtide.campaign.amplifiers.account_edges`), weighted by how often, stamped with the first
and last time. GraphML is written by igraph; GEXF 1.3 (Gephi's own format, with edge start/end for
its timeline) by the small writer below, since igraph has no GEXF writer and networkx would be a
dependency for one function. Output is deterministic: nodes and edges sorted, no clock in the file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from xml.sax.saxutils import quoteattr

import igraph as ig

from hashtide import output
from hashtide.campaign.facts import iso

FORMATS = ("gexf", "graphml", "csv")


def format_of(path: str) -> str:
    """The network format ``path`` names by its suffix; ValueError for none or an unknown one."""
    return output.format_of(path, FORMATS, "network")


def build(campaign) -> tuple[list[dict], list[dict]]:
    """(nodes, edges) as dicts, privacy applied, sorted."""
    edges = campaign.account_edges
    authors = campaign.authors.select(["platform", "author_id", "author_handle", "followers", "posts"])
    known = {(r["platform"], r["author_id"]): r | {"author_followers": r["followers"]} for r in authors.to_pylist()}
    ranks = {(r["platform"], r["author_id"]): r["pagerank"] for r in campaign.pagerank.to_pylist()}
    keys = sorted({(r["platform"], r["source"]) for r in edges.to_pylist()}
                  | {(r["platform"], r["target"]) for r in edges.to_pylist()})
    privacy = campaign.privacy
    nodes, ids = [], {}
    for platform, author in keys:
        info = known.get((platform, author), {})
        followers = info.get("author_followers")
        node_id = f"{platform}:{author}" if privacy.reveal else privacy.pseudonym(platform, author)
        ids[(platform, author)] = node_id
        nodes.append({"id": node_id, "label": privacy.handle(platform, author, info.get("author_handle"), followers),
                      "platform": platform, "followers": followers if followers is not None else -1,
                      "posts": info.get("posts", 0), "pagerank": ranks.get((platform, author), 0.0)})
    out_edges = [
        {"source": ids[(r["platform"], r["source"])], "target": ids[(r["platform"], r["target"])],
         "platform": r["platform"], "weight": r["weight"], "first": iso(r["first"]), "last": iso(r["last"])}
        for r in edges.to_pylist()
    ]
    nodes.sort(key=lambda n: n["id"])
    out_edges.sort(key=lambda e: (e["source"], e["target"], e["platform"]))
    return nodes, out_edges


def export(campaign, path: str) -> tuple[int, int]:
    """Write the network to ``path`` (format from the suffix), whole or not at all; returns
    (nodes, edges). Raises OSError when ``path`` cannot be written."""
    fmt = format_of(path)
    nodes, edges = build(campaign)
    with output.replacing(path) as temporary:
        {"gexf": write_gexf, "graphml": write_graphml, "csv": write_csv}[fmt](nodes, edges, temporary)
    return len(nodes), len(edges)


def write_csv(nodes: list[dict], edges: list[dict], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as sink:
        writer = csv.DictWriter(sink, ["source", "target", "platform", "weight", "first", "last"])
        writer.writeheader()
        writer.writerows(edges)


def write_graphml(nodes: list[dict], edges: list[dict], path: str | Path) -> None:
    # a handle holding \x01 would make the file unreadable (GEXF) or stop igraph half-way (GraphML)
    nodes, edges = output.xml_safe(nodes), output.xml_safe(edges)
    index = {n["id"]: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[e["source"]], index[e["target"]]) for e in edges], directed=True)
    g.vs["account"] = [n["id"] for n in nodes]  # not "id": GraphML readers take that for the node id
    for key in ("label", "platform", "followers", "posts", "pagerank"):
        g.vs[key] = [n[key] for n in nodes]
    for key in ("platform", "weight", "first", "last"):
        g.es[key] = [e[key] for e in edges]
    g.write_graphml(str(path))


_NODE_ATTRS = (("platform", "string"), ("followers", "long"), ("posts", "long"), ("pagerank", "double"))
_EDGE_ATTRS = (("platform", "string"),)


def write_gexf(nodes: list[dict], edges: list[dict], path: str | Path) -> None:
    """GEXF 1.3 (https://gexf.net/schema.html): a directed dynamic graph whose edges live from
    their first to their last time (Gephi's timeline), weights as edge weights."""
    # a handle holding \x01 would make the file unreadable (GEXF) or stop igraph half-way (GraphML)
    nodes, edges = output.xml_safe(nodes), output.xml_safe(edges)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
             '  <meta><creator>hashtide</creator></meta>',
             '  <graph defaultedgetype="directed" mode="dynamic" timeformat="dateTime">',
             '    <attributes class="node">']
    lines += [f'      <attribute id="{i}" title="{name}" type="{kind}"/>' for i, (name, kind) in enumerate(_NODE_ATTRS)]
    lines += ['    </attributes>', '    <attributes class="edge">']
    lines += [f'      <attribute id="{i}" title="{name}" type="{kind}"/>' for i, (name, kind) in enumerate(_EDGE_ATTRS)]
    lines += ['    </attributes>', '    <nodes>']
    for n in nodes:
        values = "".join(f'<attvalue for="{i}" value={quoteattr(str(n[name]))}/>' for i, (name, _) in enumerate(_NODE_ATTRS))
        lines.append(f'      <node id={quoteattr(n["id"])} label={quoteattr(str(n["label"]))}><attvalues>{values}</attvalues></node>')
    lines.append('    </nodes>')
    lines.append('    <edges>')
    for i, e in enumerate(edges):
        values = "".join(f'<attvalue for="{j}" value={quoteattr(str(e[name]))}/>' for j, (name, _) in enumerate(_EDGE_ATTRS))
        start, end = e["first"].rstrip("Z"), e["last"].rstrip("Z")
        lines.append(f'      <edge id="{i}" source={quoteattr(e["source"])} target={quoteattr(e["target"])} '
                     f'weight="{e["weight"]}" start="{start}" end="{end}"><attvalues>{values}</attvalues></edge>')
    lines += ['    </edges>', '  </graph>', '</gexf>']
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
