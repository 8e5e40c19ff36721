import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrflow.settings")
os.environ["HRFLOW_SERVING"] = "1"
application = get_wsgi_application()
