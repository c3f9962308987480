"""Lesson files: the real ones load; broken ones are named with their line while the others still load."""

from pathlib import Path

from tutor.curriculum import CheckSpec, LabSpec, load_curriculum
from tutor.curriculum.loader import LessonFileError, parse_lesson

GOOD = '''+++
id = "tiny"
title = "Tiny"
order = 9
+++

## One
Some prose.

```lab
experiment = "scalar-decay"
[params]
steps = 10
```

## Two
```check
id = "q"
question = "2 + 2?"
answer = 4
explanation = "Arithmetic."
```
'''


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_lessons_load_without_errors(curriculum):
    assert curriculum.errors == []
    ids = [lesson.id for lesson in curriculum.lessons]
    assert "vanishing-gradients" in ids
    assert [lesson.order for lesson in curriculum.lessons] == sorted(lesson.order for lesson in curriculum.lessons)
    for lesson in curriculum.lessons:
        assert lesson.pages, lesson.id
        assert any(page.labs for page in lesson.pages), f"{lesson.id} has no lab"
        assert lesson.checks, f"{lesson.id} has no check"


def test_pages_labs_and_checks_are_parsed(tmp_path):
    lesson = parse_lesson(GOOD, tmp_path / "tiny.md")
    assert [p.title for p in lesson.pages] == ["One", "Two"]
    lab = lesson.pages[0].labs[0]
    assert isinstance(lab, LabSpec) and lab.params["steps"] == 10 and lab.params["tanh_slope"] == 0.5
    check = lesson.pages[1].checks[0]
    assert isinstance(check, CheckSpec) and check.numeric and check.is_correct(4.0) and not check.is_correct(5)


def broken(text_from: str, text_to: str) -> str:
    assert text_from in GOOD
    return GOOD.replace(text_from, text_to)


def error_for(tmp_path, text: str):
    folder = tmp_path / "lessons"
    write(folder, "01-good.md", GOOD.replace('"tiny"', '"good"'))
    write(folder, "02-broken.md", text)
    result = load_curriculum(folder)
    assert [lesson.id for lesson in result.lessons] == ["good"], "the good lesson still loads"
    assert len(result.errors) == 1
    return result.errors[0]


def test_unknown_front_matter_key_names_file_and_line(tmp_path):
    err = error_for(tmp_path, broken('order = 9', 'order = 9\nauthor = "me"'))
    assert err.path.name == "02-broken.md" and err.line == 5 and "unknown key 'author'" in err.message
    assert str(err).startswith("02-broken.md, line 5:")


def test_bad_toml_in_front_matter(tmp_path):
    err = error_for(tmp_path, broken('order = 9', 'order = = 9'))
    assert err.line == 4 and "front matter" in err.message


def test_unknown_experiment(tmp_path):
    err = error_for(tmp_path, broken('experiment = "scalar-decay"', 'experiment = "no-such-thing"'))
    assert err.line == 11 and "unknown experiment 'no-such-thing'" in err.message


def test_unknown_and_bad_parameters(tmp_path):
    err = error_for(tmp_path, broken('steps = 10', 'stepz = 10'))
    assert err.line == 13 and "no parameter 'stepz'" in err.message
    err = error_for(tmp_path, broken('steps = 10', 'steps = -1'))
    assert err.line == 13 and "at least 1" in err.message


def test_unclosed_fence_and_missing_heading(tmp_path):
    err = error_for(tmp_path, GOOD.rsplit("```", 1)[0])
    assert "never closed" in err.message
    err = error_for(tmp_path, broken("## One\n", "Stray text\n## One\n"))
    assert err.line == 7 and "before the first page heading" in err.message


def test_choice_answer_out_of_range(tmp_path):
    text = GOOD.replace('answer = 4', 'choices = ["a", "b"]\nanswer = 2')
    try:
        parse_lesson(text, tmp_path / "x.md")
    except LessonFileError as err:
        assert "index" in err.message and err.line == 21
    else:
        raise AssertionError("an out-of-range answer was accepted")
