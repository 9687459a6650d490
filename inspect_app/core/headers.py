"""What a browser or proxy may keep of the site's responses."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Marks every response Django itself builds as not to be stored anywhere.

    Pages, downloads and error pages alike, for anyone: a shared or lost
    machine's cache then holds no narrative, review, figure or export. One
    rule for everything rather than a list of casework pages, because a list
    would miss the next page that shows casework, and because whether the
    person is signed in can change within the request (a sign-in, a session
    that ends). Static files never reach it: WhiteNoise, placed before it,
    answers them, cacheable for good.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
