"""The knowledge base: its model, loader and validation, criteria, importers and trials.

:mod:`.knowledge` is the immutable model (``KnowledgeBase``, ``Evidence``, ``Trial``) and its
indexes; :mod:`.loader` reads ``knowledgebase/`` YAML into it (``load_kb``), validating every
entry; :mod:`.criteria` parses and evaluates alteration criteria; :mod:`.civic` and
:mod:`.civic_import` turn the CIViC snapshot into reviewed KB content; :mod:`.trials` holds
trial statuses.

May import: the base modules and ``reference``. Imported by: the core (normalize, engine,
pipeline), ``service`` and ``commands``. Never imports the core, ``service``, Flask or SQLAlchemy
(tests/test_layout.py).
"""
