# plotly.js's basic bundle, from npm as package.json and its lock pin it (see
# PLOTLY_SCRIPT in inspect_app/settings.py); the test tools are left out.
FROM node:20-slim AS front-end
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY inspect_app ./inspect_app
COPY forces ./forces
RUN pip install --no-cache-dir .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY --from=front-end /build/node_modules/plotly.js-basic-dist-min ./node_modules/plotly.js-basic-dist-min
# collectstatic needs settings that load; the real key comes from the environment at run time.
RUN DEBUG=true SECRET_KEY=build-only python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 inspect && mkdir -p /app/var/uploads \
    && chown -R inspect /app/var
USER inspect
EXPOSE 8000
