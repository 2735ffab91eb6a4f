# MicroCourt: `make run` for a demo on http://127.0.0.1:5000, `make test` for the test suite.
PY      := .venv/bin/python
FLASK   := .venv/bin/flask --app wsgi
PORT    ?= 5000
FACES   ?= $(wildcard ../shared/faces)
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

.PHONY: install run test bench i18n worker clean

install: .venv/.installed app/translations/zh/LC_MESSAGES/messages.mo $(CJK_FONT)

.venv/.installed: requirements.txt
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install -q "setuptools<81" wheel
	.venv/bin/pip install -q -r requirements.txt
	# face_recognition 1.3.0 pins the `dlib` sdist (6 min compile); dlib-bin above is the same library.
	.venv/bin/pip install -q --no-deps face-recognition==1.3.0
	touch $@

app/translations/zh/LC_MESSAGES/messages.mo: .venv/.installed $(wildcard app/translations/*/LC_MESSAGES/messages.po)
	.venv/bin/pybabel compile -d app/translations >/dev/null

$(CJK_FONT):
	@echo "Installing the CJK font for PDFs (Debian package fonts-wqy-microhei)"
	@if [ "$$(id -u)" = 0 ]; then apt-get install -y -q fonts-wqy-microhei >/dev/null || (apt-get update -q && apt-get install -y -q fonts-wqy-microhei); \
	 else sudo apt-get install -y -q fonts-wqy-microhei; fi

run: install
	MICROCOURT_DEMO=1 $(FLASK) db upgrade
	MICROCOURT_DEMO=1 $(FLASK) demo seed $(if $(FACES),--faces $(FACES))
	@echo "--- one-time demo sign-in links (also: $(FLASK) demo links) ---"
	MICROCOURT_DEMO=1 $(FLASK) demo links --base-url http://127.0.0.1:$(PORT)
	# Periodic jobs (SMS sweep, deadline reminders, overdue corrections) run inline beside the server.
	MICROCOURT_DEMO=1 $(FLASK) jobs scheduler & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	MICROCOURT_DEMO=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench.run

i18n: install
	$(PY) tools/i18n.py update && $(PY) tools/i18n.py check && .venv/bin/pybabel compile -d app/translations >/dev/null

worker: install
	$(FLASK) jobs worker

clean:
	rm -rf .venv instance .pytest_cache
