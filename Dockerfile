# jvtracker production image: gunicorn by default; docker-compose.yml also runs the
# Celery worker and beat from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and HarfBuzz for WeasyPrint, Japanese fonts for the PDF reports, gettext for
# compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-ipaexfont-gothic fonts-ipaexfont-mincho \
        gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements-pip.lock requirements.lock ./
RUN pip install --require-hashes -r requirements-pip.lock \
    && pip install --require-hashes -r requirements.lock

COPY . .

ENV DJANGO_SETTINGS_MODULE=jvtracker.settings.production \
    PRIVATE_MEDIA_ROOT=/srv/private

# Build-time placeholders only: production settings insist on these, but neither command
# below touches the database or signs anything. The real values come at run time.
RUN SECRET_KEY=build-time-placeholder-never-used-at-run-time-0123456789 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    sh -c 'if find . -name "*.po" | grep -q .; then python manage.py compilemessages; fi \
           && python manage.py collectstatic --noinput'

RUN useradd --system --uid 10001 --user-group --no-create-home app \
    && mkdir -p /srv/private \
    && chown app:app /srv/private
USER app

EXPOSE 8000
CMD ["gunicorn", "jvtracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
