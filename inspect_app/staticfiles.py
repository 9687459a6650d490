"""Static files under names carrying a hash of their content, with gzip copies beside them.

``collectstatic`` (run by ``make run``, the Dockerfile and the browser tests)
copies every static file into STATIC_ROOT as ``name.<hash>.ext`` with a
``.gz`` beside it. WhiteNoise then serves each hashed name compressed and
cacheable for good (``Cache-Control: max-age=315360000, immutable``): a
browser fetches plotly.js (about 4.8 MB, 1.4 MB compressed) once, and a new
release of it has a new name.

Under DEBUG, Django names files plainly so an edit to the project's own CSS
or script shows at once. Third-party files under ``vendor/`` never change in
the checkout, so they keep their hashed, compressed names there too, once
collected: the first chart page under ``make run`` is as quick as in
production.

A file that has not been collected is linked by its plain name (served from
its source under DEBUG, or missing as any uncollected file is), rather than
every page failing: tests that never open a browser need no collectstatic.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

#: Files from installed packages (see STATICFILES_DIRS), never edited here.
VENDOR_PREFIX = "vendor/"


class CollectedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed, compressed storage; vendor files hashed under DEBUG as well."""

    def url(self, name, force=False):
        hashed = force or not settings.DEBUG or (name or "").startswith(VENDOR_PREFIX)
        try:
            return super().url(name, force=hashed)
        except ValueError:
            # Not in the manifest: nothing collected yet, or a file added since.
            return self._url(lambda plain_name: plain_name, name, force=True)
