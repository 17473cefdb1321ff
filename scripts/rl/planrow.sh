# Sourced by the planner scripts of scripts/rl: planrow FILE prints one line of a `trajdiff plan evaluate --out`
# file, from its first agent's summary (the planner's; expert and random follow it when scored).
planrow() {
	jq -r '.summary[0] | "score \(.score_mean*10|round/10) ± \(.score_se*10|round/10)  success \(.success_rate*100|round)%  plan median \(.plan_median_seconds*1000|round) ms  nfe/step \(.nfe_per_step*100|round/100)  mean plan step \(.plan_mean_step*1000|round/1000)"' "$1"
}
