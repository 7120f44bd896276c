"""The OpenAPI document and Swagger UI, served from the installed packages (no CDN).

Swagger UI runs under Raison's strict CSP unchanged: drf-spectacular's split view
serves the init code as a script from this same URL (``?script``) instead of an
inline ``<script>``, and our template swaps the inline ``<style>`` for a static file.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    # The description of the API is public, like any published API's: calling it is not.
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [AllowAny]
    template_name = "api/docs.html"
    url_name = "api:schema"
