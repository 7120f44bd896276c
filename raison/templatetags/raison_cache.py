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
from django.utils.safestring import mark_safe

from raison import pagecache

register = template.Library()

#: Stands for the reader's CSRF token in a kept region (never a valid token: not base62).
CSRF_PLACEHOLDER = "~raison-csrf-token~"


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
    if len(bits) < 2 or not (bits[1][0] == bits[1][-1] and bits[1][0] in "\"'"):
        raise template.TemplateSyntaxError(f"{bits[0]} takes a quoted region name, then the values it varies on.")
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    unless = None
    if len(bits) >= 4 and bits[-2] == "unless":
        unless, bits = parser.compile_filter(bits[-1]), bits[:-2]
    return SharedNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]], unless)
