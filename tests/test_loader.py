"""Lesson files: the real ones load; broken ones are named with their line while the others still load."""

from tutor.curriculum import CheckSpec, LabSpec, Prose, load_curriculum
from tutor.curriculum.loader import LessonFileError, parse_lesson

from .conftest import GOOD, REPO, write


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


def test_unclosed_fence_names_the_line_it_opens_on(tmp_path):
    err = error_for(tmp_path, GOOD.rsplit("```", 1)[0])
    assert err.line == 17 and "(```check) is never closed" in err.message


def test_pages_split_where_markdown_sees_headings(tmp_path):
    # A ## line inside a ~~~ fence is code; an indented ## is a heading; a 4-backtick fence around a
    # ```lab example is prose, and the lab after it still counts, with its own line.
    text = GOOD.replace("Some prose.\n", """Some prose.

~~~python
## not a page
~~~

````markdown
```lab
experiment = "no-such-thing"
```
````

   ## Indented
Still markdown.
""")
    lesson = parse_lesson(text, tmp_path / "fences.md")
    assert [p.title for p in lesson.pages] == ["One", "Indented", "Two"]
    one = lesson.pages[0]
    assert one.labs == () and "## not a page" in one.blocks[0].markdown and "no-such-thing" in one.blocks[0].markdown
    indented = lesson.pages[1]
    assert [type(b).__name__ for b in indented.blocks] == ["Prose", "LabSpec"]
    lines = text.splitlines()
    assert indented.labs[0].line == max(i for i, line in enumerate(lines) if line == "```lab") + 1


def test_block_kinds_are_one_table(tmp_path):
    from tutor.curriculum import loader

    seen = []
    kinds = dict(loader.BLOCK_KINDS)
    try:
        loader.BLOCK_KINDS["note"] = lambda body, line: seen.append((body, line)) or loader.Prose("\n".join(body))
        lesson = parse_lesson(GOOD.replace("Some prose.\n", "Some prose.\n\n```note\nhello\n```\n"), tmp_path / "n.md")
    finally:
        loader.BLOCK_KINDS.clear()
        loader.BLOCK_KINDS.update(kinds)
    assert seen == [(["hello"], 11)]
    assert [b.markdown for b in lesson.pages[0].blocks if hasattr(b, "markdown")] == ["Some prose.", "hello"]


def test_autorun_on_a_tensorflow_lab_is_refused_with_its_line(tmp_path):
    # A Keras lab waits for TensorFlow and the one training slot: it would not run "when the page is shown".
    err = error_for(tmp_path, broken('experiment = "scalar-decay"\n[params]\nsteps = 10\n',
                                     'experiment = "memory-task"\nautorun = true\n'))
    assert err.path.name == "02-broken.md" and err.line == 12
    assert "autorun" in err.message and "memory-task" in err.message and "TensorFlow" in err.message
    keras_by_hand = parse_lesson(broken('experiment = "scalar-decay"\n[params]\nsteps = 10\n',
                                        'experiment = "memory-task"\nautorun = false\n'), tmp_path / "k.md")
    assert keras_by_hand.pages[0].labs[0].autorun is False
    numpy_by_itself = parse_lesson(broken('experiment = "scalar-decay"\n',
                                          'experiment = "scalar-decay"\nautorun = true\n'), tmp_path / "n.md")
    assert numpy_by_itself.pages[0].labs[0].autorun is True


def test_the_screen_sees_no_page_heading_inside_a_page(curriculum):
    """The splitter and Textual's Markdown widget parse alike: re-read as the widget reads it (markdown-it,
    "gfm-like"), no prose block of a real lesson holds a level-2 heading that should have begun a page."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("gfm-like").disable("linkify")
    for lesson in curriculum.lessons:
        for page in lesson.pages:
            for block in (b for b in page.blocks if isinstance(b, Prose)):
                tokens = parser.parse(block.markdown)
                headings = [t.map for t in tokens if t.type == "heading_open" and t.tag == "h2"]
                assert not headings, (lesson.id, page.title, headings)


# -- source blocks: the engine's own code, found with ast at load ----------------------------------------------

# GOOD's page two with a source block after its check; the block opens on line 24, its keys on 25 and 26.
SOURCE = GOOD + '''
```source
exercise = "lstm_step"
show = ["tutor/engine/scratch.py:sigmoid", "tutor/engine/scratch.py:LSTM._step"]
```
'''


def with_source(exercise: str = '"lstm_step"', show: str | None = None) -> str:
    text = SOURCE.replace('exercise = "lstm_step"', f"exercise = {exercise}")
    if show is not None:
        text = text.replace('show = ["tutor/engine/scratch.py:sigmoid", "tutor/engine/scratch.py:LSTM._step"]', show)
    return text


def test_a_source_block_keeps_the_code_of_each_name_with_its_file_line(tmp_path):
    from tutor.curriculum.model import SourceSpec

    lesson = parse_lesson(with_source(), tmp_path / "s.md")
    spec = lesson.pages[1].blocks[-1]
    assert isinstance(spec, SourceSpec) and spec.exercise == "lstm_step" and spec.line == 24
    sigmoid, step = spec.parts
    lines = (REPO / "tutor" / "engine" / "scratch.py").read_text(encoding="utf-8").splitlines()
    assert (sigmoid.file, sigmoid.name) == ("tutor/engine/scratch.py", "sigmoid")
    assert lines[sigmoid.first_line - 1].startswith("def sigmoid(") and sigmoid.code.startswith("def sigmoid(")
    assert sigmoid.code.splitlines()[-1].strip().startswith("return")  # the whole body, nothing after it
    # A method comes dedented, from its def to its last line, with the file's line numbers kept.
    assert lines[step.first_line - 1] == "    " + step.code.splitlines()[0] and step.code.startswith("def _step(")
    assert len(step.code.splitlines()) > 5 and "class " not in step.code


def test_a_decorated_name_starts_at_its_decorator(tmp_path):
    spec = parse_lesson(with_source('"gru_step"', 'show = ["tutor/engine/scratch.py:GRU.input_bias"]'),
                        tmp_path / "s.md").pages[1].blocks[-1]
    assert spec.parts[0].code.splitlines()[:2] == ["@property", "def input_bias(self) -> np.ndarray:"]


def test_an_unknown_name_in_a_source_block_names_the_file_and_line(tmp_path):
    err = error_for(tmp_path, with_source(show='show = ["tutor/engine/scratch.py:LSTM._stepp"]'))
    assert err.path.name == "02-broken.md" and err.line == 26
    assert "has no 'LSTM._stepp'" in err.message and "LSTM defines" in err.message and "_step" in err.message
    assert str(err).startswith("02-broken.md, line 26: show:")
    err = error_for(tmp_path, with_source(show='show = ["tutor/engine/scratch.py:Nope"]'))
    assert err.line == 26 and "has no 'Nope'" in err.message and "LSTM" in err.message


def test_a_show_list_over_several_lines_names_the_line_of_the_bad_entry(tmp_path):
    show = 'show = [\n    "tutor/engine/scratch.py:sigmoid",\n    "tutor/engine/scratch.py:GRU._stp",\n]'
    err = error_for(tmp_path, with_source(show=show))
    assert err.line == 28 and "GRU._stp" in err.message


def test_a_file_that_is_not_in_the_package_is_refused(tmp_path):
    err = error_for(tmp_path, with_source(show='show = ["tutor/engine/scrach.py:sigmoid"]'))
    assert err.line == 26 and "tutor/engine/scrach.py is not a file of the tutor package" in err.message
    for entry in ("scratch.py:sigmoid", "tutor/../setup.py:x", "tutor/engine/scratch.py", "tutor/engine:LSTM",
                  "tutor/engine/scratch.py:LSTM.", "tutor/engine/scratch.py:LSTM._step()"):
        err = error_for(tmp_path, with_source(show=f'show = ["{entry}"]'))
        assert err.line == 26 and "is not a file of the package and a name in it" in err.message, entry


def test_a_source_block_needs_a_known_exercise_and_something_to_show(tmp_path):
    err = error_for(tmp_path, with_source('"lstm_stp"'))
    assert err.line == 25 and "unknown exercise 'lstm_stp'" in err.message and "lstm_step" in err.message
    err = error_for(tmp_path, with_source(show="show = []"))
    assert err.line == 26 and "at least one" in err.message
    err = error_for(tmp_path, with_source(show="show = [3]"))
    assert err.line == 26 and "3 is not a file" in err.message
    err = error_for(tmp_path, with_source(show='show = "tutor/engine/scratch.py:sigmoid"'))
    assert err.line == 26 and "'show' in the source block has the wrong type" in err.message
    err = error_for(tmp_path, with_source(show='shown = ["tutor/engine/scratch.py:sigmoid"]'))
    assert err.line == 26 and "unknown key 'shown'" in err.message
    err = error_for(tmp_path, with_source(show=""))
    assert err.line == 24 and "needs 'show'" in err.message
    twice = 'show = ["tutor/engine/scratch.py:sigmoid", "tutor/engine/scratch.py:sigmoid"]'
    err = error_for(tmp_path, with_source(show=twice))
    assert err.line == 26 and "named twice" in err.message
