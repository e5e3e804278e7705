# One image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HYBRIDPLAN_VAR_DIR=/var/lib/hybridplan
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=collectstatic-only HYBRIDPLAN_CREDENTIALS_KEY=$(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
    python manage.py collectstatic --no-input -v0 \
 && useradd --system --home /var/lib/hybridplan hybridplan \
 && mkdir -p /var/lib/hybridplan && chown hybridplan /var/lib/hybridplan
USER hybridplan
EXPOSE 8000
CMD ["gunicorn", "hybridplan.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
