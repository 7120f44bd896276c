"""``{% shared "name" var … [unless condition] %}…{% endshared %}``: a region kept for every reader.

See ``raison.pagecache``: the region is rendered once per generation of the
organisation's records, language and ``var`` values, and served from the cache to
everyone else. The page's lazy parts it reads (a page model's cached properties) are
then not computed at all, so a kept region also saves its queries.

A region may hold forms: it is rendered with a placeholder where the CSRF token goes,
and each reader's own token replaces it on the way out, so a kept copy never holds
anyone's token. With ``unless``, a reader for whom the condition holds gets the region
rendered afresh (a form sent back with its errors, a search of their own).
"""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

from raison import pagecache

register = template.Library()
CSRF_PLACEHOLDER = pagecache.CSRF_PLACEHOLDER


def _region_name(bits: list[str]) -> str:
    if len(bits) < 2 or not (bits[1][0] == bits[1][-1] and bits[1][0] in "\"'"):
        raise template.TemplateSyntaxError(f"{bits[0]} takes a quoted region name, then the values it varies on.")
    return bits[1][1:-1]


class SharedNode(template.Node):
    def __init__(self, nodelist, name: str, vary_on, unless=None):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.unless = unless

    def render(self, context):
        if self.unless is not None and self.unless.resolve(context, ignore_failures=True):
            return self.nodelist.render(context)
        vary_on = [var.resolve(context) for var in self.vary_on]

        def render_for_everyone() -> str:
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                return self.nodelist.render(context)

        rendered = pagecache.shared_region(context.get("request"), self.name, vary_on, render_for_everyone)
        if CSRF_PLACEHOLDER in rendered:
            rendered = rendered.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token", "")))
        return mark_safe(rendered)  # noqa: S308 (the template's own output, escaped when it was rendered)


@register.tag("shared")
def do_shared(parser, token):
    bits = token.split_contents()
    name = _region_name(bits)
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    unless = None
    if len(bits) >= 4 and bits[-2] == "unless":
        unless, bits = parser.compile_filter(bits[-1]), bits[:-2]
    return SharedNode(nodelist, name, [parser.compile_filter(bit) for bit in bits[2:]], unless)


#: Regions that depend on nothing but the code, the language and their ``vary`` values.
_MEMO: dict[tuple, str] = {}
_MEMO_LIMIT = 1024


class MemoNode(template.Node):
    def __init__(self, nodelist, name: str, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        key = (self.name, translation.get_language(), *(str(var.resolve(context)) for var in self.vary_on))
        rendered = _MEMO.get(key)
        if rendered is None:
            rendered = self.nodelist.render(context)
            if len(_MEMO) >= _MEMO_LIMIT:
                _MEMO.clear()  # vary values are few (pages × languages): this is a safety net
            _MEMO[key] = rendered
        return rendered


@register.tag("memo")
def do_memo(parser, token):
    """``{% memo "name" var … %}…{% endmemo %}``: a region that reads no record (the main
    navigation), kept in this process's memory per language and ``var`` values. No cache
    round trip, no invalidation: nothing it shows changes while the process runs."""
    bits = token.split_contents()
    name = _region_name(bits)
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(template.defaulttags.CsrfTokenNode):
        raise template.TemplateSyntaxError(f"{bits[0]} {bits[1]} holds a csrf_token: that is one person's.")
    return MemoNode(nodelist, name, [parser.compile_filter(bit) for bit in bits[2:]])
