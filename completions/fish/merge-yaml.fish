function __merge-yaml_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-yaml_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __merge-yaml_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-yaml_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __merge-yaml_parse_tokens -S
    set -l unparsed_tokens (__merge-yaml_tokens -pc)
    switch $unparsed_tokens[1]
    case 'merge-yaml'
        __merge-yaml_parse_subcommand 2 'dry-run' 'random-seed=' 'out-shard-size=' 'copy-tokenizer' 'no-copy-tokenizer' 'write-model-card' 'no-write-model-card' 'allow-crimes' 'no-allow-crimes' 'unsafe-truncate-embeddings' 'j/threads=' 'v/verbose' 'q/quiet' 'json' 'ndjson' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __merge-yaml_parse_subcommand -r 1 
        end
    end
end

function __merge-yaml_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __merge-yaml_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __merge-yaml_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __merge-yaml_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__merge-yaml_tokens -p)
    if test -z "$(__merge-yaml_tokens -t)"
        set -l index (count (__merge-yaml_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'merge-yaml' -f
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" dry-run' -l 'dry-run' -d 'Print the merge plan as JSON (schema_version 1) and write nothing.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" random-seed' -l 'random-seed' -d 'Seed for randomised methods (DARE, DELLA, ...); runs with the same seed give the same model.' -rfka ''
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" out-shard-size' -l 'out-shard-size' -d 'Largest output shard in bytes: an integer with K, M or B (10^3, 10^6, 10^9) as mergekit reads it, or 5GB, 500MiB.' -rfka ''
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" copy-tokenizer' -l 'copy-tokenizer' -d 'Copy the tokenizer and generation_config.json from the base (or first) model.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" no-copy-tokenizer' -l 'no-copy-tokenizer' -d 'Copy the tokenizer and generation_config.json from the base (or first) model.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" write-model-card' -l 'write-model-card' -d 'Write README.md (a model card) and mergekit_config.yml.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" no-write-model-card' -l 'no-write-model-card' -d 'Write README.md (a model card) and mergekit_config.yml.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" allow-crimes' -l 'allow-crimes' -d 'Allow models whose architectures differ.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" no-allow-crimes' -l 'no-allow-crimes' -d 'Allow models whose architectures differ.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" unsafe-truncate-embeddings' -l 'unsafe-truncate-embeddings' -d 'Accept embeddings cut to a common vocabulary when the models\' vocabularies differ and the configuration has no tokenizer: section (what mergekit does, and Alloy\'s default too: a warning names the tensors). To keep every token instead, add tokenizer: {source: union}.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" j num-threads threads' -s 'j' -l 'threads' -l 'num-threads' -d 'Worker threads (default: the number of CPUs).' -rfka ''
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_flags_or_options "merge-yaml" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'merge-yaml' -n '__merge-yaml_should_offer_completions_for_positional "merge-yaml" -eq 1' -fa 'help' -d 'Show subcommand help information.'
