"""How static files are stored with CANDOUR_DEBUG=0 (settings.STORAGES["staticfiles"]).

WhiteNoise's manifest storage: `collectstatic` (run by `candour serve`) writes each file
again under a name with a hash of its content, which pages ask for through static(), so that
browsers may keep them for a year; and a gzip and a Brotli copy beside each, which WhiteNoise
serves to browsers that accept them.

Two changes to make `candour serve` start in seconds rather than a minute (measured on a
2-core machine: collectstatic 51 s before, 2 s after; docs/adr/0012-production-deployment.md):

- Brotli at quality 9 instead of 11. Quality 10 and 11 use a much slower algorithm for
  about 9% smaller files (the API docs' 1.5 MB script: 3.8 s and 325 KB at 11, 0.16 s and
  356 KB at 9; gzip gives 408 KB).
- Source maps (*.map, 11 MB of the 20 MB, from the API docs' bundles) are not compressed:
  only a browser's developer tools fetch them.

And one for the browser: JavaScript modules' `import … from "…";` statements are rewritten
to the hashed names too, so that web/init.js loads the design system's script by the name
that changes when it does (Django's support_js_module_import_aggregation).
"""

from __future__ import annotations

import brotli
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

BROTLI_QUALITY = 9
NOT_COMPRESSED = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")


class FasterCompressor(Compressor):
    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        return brotli.compress(data, quality=BROTLI_QUALITY)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def create_compressor(self, **kwargs) -> Compressor:
        if kwargs.get("extensions") is None:  # WHITENOISE_SKIP_COMPRESS_EXTENSIONS unset
            kwargs["extensions"] = NOT_COMPRESSED
        return FasterCompressor(**kwargs)
