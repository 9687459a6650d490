"""``{% kept key %}…{% endkept %}``: a part of a review page kept in the cache.

``key`` is either a ``tallies.Fragment`` the view has already looked up (so
the view can skip building what the part shows when it is kept), or a key
string from ``tallies.fragment_key``. Either way the key carries the
inspection's work version and everything else the part depends on, so a
kept part is never older than the casework it shows.

The part may hold forms: it is kept with a placeholder where the CSRF token
goes, and each response gets its reader's own token in its place. Messages
must stay outside. With no key, or no reachable cache, the part is rendered
as usual.
"""

from django import template
from django.utils.safestring import mark_safe

from inspect_app.inspections import tallies

register = template.Library()

#: Stands for the reader's CSRF token in a kept part (letters and digits: nothing to escape).
TOKEN_PLACEHOLDER = "keptcsrftokenplaceholder7c1e5d0b9a4f"


class KeptNode(template.Node):
    def __init__(self, key, nodelist):
        self.key = key
        self.nodelist = nodelist

    def render(self, context):
        key = self.key.resolve(context)
        if isinstance(key, tallies.Fragment):
            fragment = key
        else:
            fragment = tallies.Fragment.lookup(key) if key else tallies.Fragment(None)
        if fragment.key is None:  # nothing to keep it under (a form posted): render it
            return self.nodelist.render(context)
        if fragment.html is None:
            with context.push(csrf_token=TOKEN_PLACEHOLDER):
                fragment.keep(self.nodelist.render(context))
        html = fragment.html
        if TOKEN_PLACEHOLDER in html:
            # Asking for the token also has the response set its cookie, as the tag would.
            html = html.replace(TOKEN_PLACEHOLDER, str(context.get("csrf_token", "")))
        return mark_safe(html)


@register.tag
def kept(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% kept %} takes one argument: the cache key")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(parser.compile_filter(bits[1]), nodelist)
