# The production image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NEWSDIFFS_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
# Pillow's raqm, which shapes Arabic and orders right-to-left text on the share cards, loads FriBiDi from the
# system (Pillow's wheels carry the rest).
RUN apt-get update && apt-get install -y --no-install-recommends libfribidi0 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic only reads settings; this placeholder key never signs anything.
RUN DEBUG=0 SECRET_KEY=collectstatic-placeholder ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && useradd --system --create-home newsdiffs \
    && mkdir -p /app/var && chown newsdiffs /app/var

USER newsdiffs
EXPOSE 8000
CMD ["gunicorn", "newsdiffs.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
