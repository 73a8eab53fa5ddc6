"""The learner's loop: run katas and report kata by kata (`runner`), progress, hints, the reference after
solving and watch mode (`loop`)."""
