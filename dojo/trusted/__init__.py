"""The trusted core: the process that runs tests and Hypothesis. It starts workers (`process`), calls learner
code through proxies (`proxy`), words failures for the learner (`failures`), finds the code under test
(`submissions`), records results (`results`) and plugs all of it into pytest (`plugin`)."""
