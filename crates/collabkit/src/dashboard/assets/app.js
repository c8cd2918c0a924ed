var ce,k,Ke,Ot,F,He,je,Ve,we,ne,X,Je,Se,ke,xe,Ht,ae={},ie=[],Ft=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,ue=Array.isArray;function H(e,t){for(var o in t)e[o]=t[o];return e}function Ee(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function Ce(e,t,o){var n,s,r,a={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?ce.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return re(e,a,n,s,null)}function re(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++Ke,__i:-1,__u:0};return s==null&&k.vnode!=null&&k.vnode(r),r}function de(e){return e.children}function se(e,t){this.props=e,this.context=t}function j(e,t){if(t==null)return e.__?j(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?j(e):null}function Bt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=H({},t);r.__v=t.__v+1,k.vnode&&k.vnode(r),Pe(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??j(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,Qe(n,r,s),t.__e=t.__=null,r.__e!=o&&Ge(r)}}function Ge(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Ge(e)}function Fe(e){(!e.__d&&(e.__d=!0)&&F.push(e)&&!le.__r++||He!=k.debounceRendering)&&((He=k.debounceRendering)||je)(le)}function le(){try{for(var e,t=1;F.length;)F.length>t&&F.sort(Ve),e=F.shift(),t=F.length,Bt(e)}finally{F.length=le.__r=0}}function Ye(e,t,o,n,s,r,a,u,c,l,p){var h,i,_,f,v,y,g=n&&n.__k||ie,m=t.length;for(c=qt(o,t,g,c,m),h=0;h<m;h++)(_=o.__k[h])!=null&&(i=_.__i!=-1&&g[_.__i]||ae,_.__i=h,y=Pe(e,_,i,s,r,a,u,c,l,p),f=_.__e,_.ref&&i.ref!=_.ref&&(i.ref&&Re(i.ref,null,_),p.push(_.ref,_.__c||f,_)),v==null&&f!=null&&(v=f),4&_.__u?(c=ze(_,c,e),i.__e&&(i.__e=null)):typeof _.type=="function"&&y!==void 0?c=y:f&&(c=f.nextSibling),_.__u&=-7);return o.__e=v,c}function qt(e,t,o,n,s){var r,a,u,c,l,p=o.length,h=p,i=0;for(e.__k=new Array(s),r=0;r<s;r++)(a=t[r])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[r]=re(null,a,null,null,null):ue(a)?a=e.__k[r]=re(de,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[r]=re(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[r]=a,c=r+i,a.__=e,a.__b=e.__b+1,u=null,(l=a.__i=Kt(a,o,c,h))!=-1&&(h--,(u=o[l])&&(u.__u|=2)),u==null||u.__v==null?(l==-1&&(s>p?i--:s<p&&i++),typeof a.type!="function"&&(a.__u|=4)):l!=c&&(l==c-1?i--:l==c+1?i++:(l>c?i--:i++,a.__u|=4))):e.__k[r]=null;if(h)for(r=0;r<p;r++)(u=o[r])!=null&&(2&u.__u)==0&&(u.__e==n&&(n=j(u)),et(u,u));return n}function ze(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=ze(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=j(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Kt(e,t,o,n){var s,r,a,u=e.key,c=e.type,l=t[o],p=l!=null&&(2&l.__u)==0;if(l===null&&u==null||p&&u==l.key&&c==l.type)return o;if(n>(p?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((l=t[a=s>=0?s--:r++])!=null&&(2&l.__u)==0&&u==l.key&&c==l.type)return a}return-1}function Be(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||Ft.test(t)?o:o+"px"}function oe(e,t,o,n,s){var r,a;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||Be(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||Be(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(Je,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[X]=n[X]:(o[X]=Se,e.addEventListener(t,r?xe:ke,r)):e.removeEventListener(t,r?xe:ke,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function qe(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[ne]==null)t[ne]=Se++;else if(t[ne]<o[X])return;return o(k.event?k.event(t):t)}}}function Pe(e,t,o,n,s,r,a,u,c,l){var p,h,i,_,f,v,y,g,m,b,P,T,U,w,A,z,W=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(c=!!(32&o.__u),r=[u=t.__e=o.__e]),(p=k.__b)&&p(t);e:if(typeof W=="function"){h=a.length;try{if(m=t.props,b=W.prototype&&W.prototype.render,P=(p=W.contextType)&&n[p.__c],T=p?P?P.props.value:p.__:n,o.__c?g=(i=t.__c=o.__c).__=i.__E:(b?t.__c=i=new W(m,T):(t.__c=i=new se(m,T),i.constructor=W,i.render=Vt),P&&P.sub(i),i.state||(i.state={}),i.__n=n,_=i.__d=!0,i.__h=[],i._sb=[]),b&&i.__s==null&&(i.__s=i.state),b&&W.getDerivedStateFromProps!=null&&(i.__s==i.state&&(i.__s=H({},i.__s)),H(i.__s,W.getDerivedStateFromProps(m,i.__s))),f=i.props,v=i.state,i.__v=t,_)b&&W.getDerivedStateFromProps==null&&i.componentWillMount!=null&&i.componentWillMount(),b&&i.componentDidMount!=null&&i.__h.push(i.componentDidMount);else{if(b&&W.getDerivedStateFromProps==null&&m!==f&&i.componentWillReceiveProps!=null&&i.componentWillReceiveProps(m,T),t.__v==o.__v||!i.__e&&i.shouldComponentUpdate!=null&&i.shouldComponentUpdate(m,i.__s,T)===!1){t.__v!=o.__v&&(i.props=m,i.state=i.__s,i.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(J){J&&(J.__=t)}),ie.push.apply(i.__h,i._sb),i._sb=[],i.__h.length&&a.push(i),u=j(o);break e}i.componentWillUpdate!=null&&i.componentWillUpdate(m,i.__s,T),b&&i.componentDidUpdate!=null&&i.__h.push(function(){i.componentDidUpdate(f,v,y)})}if(i.context=T,i.props=m,i.__P=e,i.__e=!1,U=k.__r,w=0,b)i.state=i.__s,i.__d=!1,U&&U(t),p=i.render(i.props,i.state,i.context),ie.push.apply(i.__h,i._sb),i._sb=[];else do i.__d=!1,U&&U(t),p=i.render(i.props,i.state,i.context),i.state=i.__s;while(i.__d&&++w<25);i.state=i.__s,i.getChildContext!=null&&(n=H(H({},n),i.getChildContext())),b&&!_&&i.getSnapshotBeforeUpdate!=null&&(y=i.getSnapshotBeforeUpdate(f,v)),A=p!=null&&p.type===de&&p.key==null?Ze(p.props.children):p,u=Ye(e,ue(A)?A:[A],t,o,n,s,r,a,u,c,l),i.base=t.__e,t.__u&=-161,i.__h.length&&a.push(i),g&&(i.__E=i.__=null)}catch(J){if(a.length=h,t.__v=null,c||r!=null){if(J.then){for(t.__u|=c?160:128;u&&u.nodeType==8&&u.nextSibling;)u=u.nextSibling;r!=null&&(r[r.indexOf(u)]=null),t.__e=u}else if(r!=null)for(z=r.length;z--;)Ee(r[z])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),J.then||Xe(t),k.__e(J,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):u=t.__e=jt(o.__e,t,o,n,s,r,a,c,l);return(p=k.diffed)&&p(t),128&t.__u?void 0:u}function Xe(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(Xe))}function Qe(e,t,o){for(var n=0;n<o.length;n++)Re(o[n],o[++n],o[++n]);k.__c&&k.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){k.__e(r,s.__v)}})}function Ze(e){return typeof e!="object"||e==null||e.__b>0?e:ue(e)?e.map(Ze):e.constructor!==void 0?null:H({},e)}function jt(e,t,o,n,s,r,a,u,c){var l,p,h,i,_,f,v,y=o.props||ae,g=t.props,m=t.type;if(m=="svg"?s="http://www.w3.org/2000/svg":m=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(l=0;l<r.length;l++)if((_=r[l])&&"setAttribute"in _==!!m&&(m?_.localName==m:_.nodeType==3)){e=_,r[l]=null;break}}if(e==null){if(m==null)return document.createTextNode(g);e=document.createElementNS(s,m,g.is&&g),u&&(k.__m&&k.__m(t,r),u=!1),r=null}if(m==null)y===g||u&&e.data==g||(e.data=g);else{if(r=m=="textarea"&&g.defaultValue!=null?null:r&&ce.call(e.childNodes),!u&&r!=null)for(y={},l=0;l<e.attributes.length;l++)y[(_=e.attributes[l]).name]=_.value;for(l in y)_=y[l],l=="dangerouslySetInnerHTML"?h=_:l=="children"||l in g||l=="value"&&"defaultValue"in g||l=="checked"&&"defaultChecked"in g||oe(e,l,null,_,s);for(l in g)_=g[l],l=="children"?i=_:l=="dangerouslySetInnerHTML"?p=_:l=="value"?f=_:l=="checked"?v=_:u&&typeof _!="function"||y[l]===_||oe(e,l,_,y[l],s);if(p)u||h&&(p.__html==h.__html||p.__html==e.innerHTML)||(e.innerHTML=p.__html),t.__k=[];else if(h&&(e.innerHTML=""),Ye(t.type=="template"?e.content:e,ue(i)?i:[i],t,o,n,m=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,a,r?r[0]:o.__k&&j(o,0),u,c),r!=null)for(l=r.length;l--;)Ee(r[l]);u&&m!="textarea"||(l="value",m=="progress"&&f==null?e.removeAttribute("value"):f!=null&&(f!==e[l]||m=="progress"&&!f||m=="option"&&f!=y[l])&&oe(e,l,f,y[l],s),l="checked",v!=null&&v!=e[l]&&oe(e,l,v,y[l],s))}return e}function Re(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){k.__e(s,o)}}function et(e,t,o){var n,s;if(k.unmount&&k.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||Re(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){k.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&et(n[s],t,o||typeof e.type!="function");o||Ee(e.__e),e.__c=e.__=e.__e=void 0}function Vt(e,t,o){return this.constructor(e,o)}function tt(e,t,o){var n,s,r,a;t==document&&(t=document.documentElement),k.__&&k.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],a=[],Pe(t,e=(!n&&o||t).__k=Ce(de,null,[e]),s||ae,ae,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?ce.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,a),Qe(r,e,a),e.props.children=null}ce=ie.slice,k={__e:function(e,t,o,n){for(var s,r,a;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),a=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),a=s.__d),a)return s.__E=s}catch(u){e=u}throw e}},Ke=0,Ot=function(e){return e!=null&&e.constructor===void 0},se.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=H({},this.state),typeof e=="function"&&(e=e(H({},o),this.props)),e&&H(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Fe(this))},se.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Fe(this))},se.prototype.render=de,F=[],je=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Ve=function(e,t){return e.__v.__b-t.__v.__b},le.__r=0,we=Math.random().toString(8),ne="__d"+we,X="__a"+we,Je=/(PointerCapture)$|Capture$/i,Se=0,ke=qe(!1),xe=qe(!0),Ht=0;var Q,S,Te,ot,_e=0,ut=[],E=k,nt=E.__b,rt=E.__r,st=E.diffed,at=E.__c,it=E.unmount,lt=E.__;function Ie(e,t){E.__h&&E.__h(S,e,_e||t),_e=0;var o=S.__H||(S.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function $(e){return _e=1,Jt(pt,e)}function Jt(e,t,o){var n=Ie(Q++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):pt(void 0,t),function(u){var c=n.__N?n.__N[0]:n.__[0],l=n.t(c,u);c!==l&&(n.__N=[l,n.__[1]],n.__c.setState({}))}],n.__c=S,!S.__f)){var s=function(u,c,l){if(!n.__c.__H)return!0;var p=!1,h=n.__c.props!==u;if(n.__c.__H.__.some(function(_){if(_.__N){p=!0;var f=_.__[0];_.__=_.__N,_.__N=void 0,f!==_.__[0]&&(h=!0)}}),r){var i=r.call(this,u,c,l);return p?i||h:i}return!p||h};S.__f=!0;var r=S.shouldComponentUpdate,a=S.componentWillUpdate;S.componentWillUpdate=function(u,c,l){if(this.__e){var p=r;r=void 0,s(u,c,l),r=p}a&&a.call(this,u,c,l)},S.shouldComponentUpdate=s}return n.__N||n.__}function I(e,t){var o=Ie(Q++,3);!E.__s&&dt(o.__H,t)&&(o.__=e,o.u=t,S.__H.__h.push(o))}function L(e){return _e=5,V(function(){return{current:e}},[])}function V(e,t){var o=Ie(Q++,7);return dt(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function Gt(){for(var e;e=ut.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(pe),t.__h.some(Me),t.__h=[]}catch(o){t.__h=[],E.__e(o,e.__v)}}}E.__b=function(e){S=null,nt&&nt(e)},E.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),lt&&lt(e,t)},E.__r=function(e){rt&&rt(e),Q=0;var t=(S=e.__c).__H;t&&(Te===S?(t.__h=[],S.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(pe),t.__h.some(Me),t.__h=[],Q=0)),Te=S},E.diffed=function(e){st&&st(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(ut.push(t)!==1&&ot===E.requestAnimationFrame||((ot=E.requestAnimationFrame)||Yt)(Gt)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),Te=S=null},E.__c=function(e,t){t.some(function(o){try{o.__h.some(pe),o.__h=o.__h.filter(function(n){return!n.__||Me(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],E.__e(n,o.__v)}}),at&&at(e,t)},E.unmount=function(e){it&&it(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{pe(n)}catch(s){t=s}}),o.__H=void 0,t&&E.__e(t,o.__v))};var ct=typeof requestAnimationFrame=="function";function Yt(e){var t,o=function(){clearTimeout(n),ct&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);ct&&(t=requestAnimationFrame(o))}function pe(e){var t=S,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),S=t}function Me(e){var t=S;e.__c=e.__(),S=t}function dt(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function pt(e,t){return typeof t=="function"?t(e):t}var ht=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],u=t[r]?(t[0]|=a?1:2,o[t[r++]]):t[++r];a===3?n[0]=u:a===4?n[1]=Object.assign(n[1]||{},u):a===5?(n[1]=n[1]||{})[t[++r]]=u:a===6?n[1][t[++r]]+=u+"":a?(s=e.apply(u,ht(e,u,o,["",null])),n.push(s),u[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(u)}return n},_t=new Map;function ft(e){var t=_t.get(this);return t||(t=new Map,_t.set(this,t)),(t=ht(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,a="",u="",c=[0],l=function(i){r===1&&(i||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?c.push(0,i,a):r===3&&(i||a)?(c.push(3,i,a),r=2):r===2&&a==="..."&&i?c.push(4,i,0):r===2&&a&&!i?c.push(5,0,!0,a):r>=5&&((a||!i&&r===5)&&(c.push(r,0,a,s),r=6),i&&(c.push(r,i,0,s),r=6)),a=""},p=0;p<o.length;p++){p&&(r===1&&l(),l(p));for(var h=0;h<o[p].length;h++)n=o[p][h],r===1?n==="<"?(l(),c=[c],r=3):a+=n:r===4?a==="--"&&n===">"?(r=1,a=""):a=n+a[0]:u?n===u?u="":a+=n:n==='"'||n==="'"?u=n:n===">"?(l(),r=1):r&&(n==="="?(r=5,s=a,a=""):n==="/"&&(r<5||o[p][h+1]===">")?(l(),r===3&&(c=c[0]),r=c,(c=c[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(l(),r=2):a+=n),r===3&&a==="!--"&&(r=4,c=c[0])}return l(),c})(e)),t),arguments,[])).length>1?t:t[0]}var d=ft.bind(Ce);var Z=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"];function mt({rate:e=10,burst:t=20}={}){let o=t,n=performance.now(),s=0,r=null,a=[],u=()=>{r=null;let c=performance.now();for(o=Math.min(t,o+(c-n)*e/1e3),n=c;a.length&&c>=s&&o>=1;)o-=1,a.shift()();if(a.length){let l=Math.max(s-c,(1-o)*1e3/e);r=setTimeout(u,Math.ceil(l))}};return{take(){return new Promise(c=>{a.push(c),r||u()})},pause(c){s=Math.max(s,performance.now()+c),o=0,r&&clearTimeout(r),u()}}}function $t(e){let t=`collabkit-events:${e.accountId}`,o=new Set,n=new Set,s=null,r=null,a=c=>{if(c){if(n.has(c.id))return;n.add(c.id),n.size>500&&n.delete(n.values().next().value)}for(let l of[...o])(!c||!l.roomId||l.roomId===c.room_id)&&l.handler(c)};function u(){let c=new AbortController,l=typeof BroadcastChannel=="function"?new BroadcastChannel(t):null,p=null;l?.addEventListener("message",({data:f})=>{f.cursor&&(p=f.cursor),"event"in f&&a(f.event)});let h=l&&!navigator.locks?Zt(l,c.signal,_):null,i=f=>l?.postMessage(h?{...f,peer:h.me}:f);async function _(f,v){let y=m=>f.aborted||i(m);v&&!p&&(y({event:null}),a(null));let g=500;for(;!f.aborted;){try{await e.stream(p,m=>{if(!m.data){h&&y({});return}let b;try{b=JSON.parse(m.data)}catch{return}p=m.id??p,y({cursor:p,event:b}),a(b),g=500},f)}catch(m){m.retryAfter&&(g=Math.max(g,m.retryAfter))}if(f.aborted)break;await new Promise(m=>{let b=setTimeout(m,g);f.addEventListener("abort",()=>(clearTimeout(b),m()),{once:!0})}),g=Math.min(g*2,1e4)}}return l?h||(async()=>{await navigator.locks.request(t,{ifAvailable:!0},async v=>v?(await _(c.signal,!1),!0):!1)||c.signal.aborted||await navigator.locks.request(t,{signal:c.signal},()=>_(c.signal,!0))})().catch(()=>{}):_(c.signal,!1),()=>{c.abort(),l?.close()}}return{subscribe(c,l){let p={handler:c,roomId:l};return o.add(p),clearTimeout(r),s??(s=u()),()=>{o.delete(p),!o.size&&(clearTimeout(r),r=setTimeout(()=>{o.size||!s||(s(),s=null,n.clear())},2e3))}}}}var zt=25e3,Xt=5e3,Qt=300;function Zt(e,t,o){let n=`${Date.now().toString(36).padStart(9,"0")}.${Math.random().toString(36).slice(2,10)}`,s=new Map,r=!1,a=null,u=!1,c=()=>{let _=performance.now(),f=n;for(let[v,y]of s)_-y>zt?s.delete(v):v<f&&(f=v);return f},l=()=>{if(!r||t.aborted)return;let _=c()===n;if(_&&!a){let f=new AbortController;a=f,o(f.signal,u).finally(()=>{a===f&&(a=null)})}else!_&&a&&(a.abort(),a=null)},p=_=>{try{e.postMessage({..._,peer:n})}catch{}};e.addEventListener("message",({data:_})=>{_.bye?s.delete(_.bye):_.peer&&(s.set(_.peer,performance.now()),u=!0,_.hello&&p({})),l()});let h=()=>p({bye:n}),i=setInterval(()=>{p({}),l()},Xt);return window.addEventListener("pagehide",h),p({hello:!0}),setTimeout(()=>{r=!0,l()},Qt),t.addEventListener("abort",()=>{clearInterval(i),window.removeEventListener("pagehide",h),a?.abort(),h()},{once:!0}),{me:n}}var B=class extends Error{constructor(t,o,n,s=o,r=null){super(n),this.status=t,this.code=o,this.reason=s,this.requestId=r}},D=100,eo="The server could not be reached. Is `collabkit serve` still running at this address?";function to(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function ee(e){return typeof e=="string"&&e.length>0&&e.length<=256&&e!=="."&&e!==".."&&!/[\u0000-\u001f\u007f]/.test(e)}function x(e,...t){return e.reduce((o,n,s)=>{let r=t[s-1];if(!ee(String(r)))throw new B(0,"invalid_id",`"${r}" is not a valid id.`);return o+encodeURIComponent(String(r))+n})}var oo=3,bt=e=>Math.min(60,Math.max(1,Number(e.headers.get("retry-after"))||1))*1e3;function Ne(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${to(e,t)}`},r=mt();async function a(l,p){for(let h=0;;h++){await r.take();let i=await fetch(l,p);if(i.status!==429||h===oo)return i;r.pause(bt(i)),await i.body?.cancel()}}async function u(l,p,h){let i;try{i=await a(n+p,{method:l,headers:h===void 0?s:{...s,"content-type":"application/json"},body:h===void 0?void 0:JSON.stringify(h)})}catch{throw new B(0,"unreachable",eo)}if(i.status===204)return null;let _=null;try{_=await i.json()}catch{}if(!i.ok){let f=_?.error,v=new B(i.status,f?.code??"http_error",f?.message??`The server answered ${i.status} ${i.statusText}.`,f?.reason??f?.code??"http_error",_?.requestId??i.headers.get("x-request-id"));throw i.status===401&&o&&o(v),v}return _?.data}let c={accountId:e,get:l=>u("GET",l),post:(l,p)=>u("POST",l,p??{}),patch:(l,p)=>u("PATCH",l,p),put:(l,p)=>u("PUT",l,p),del:l=>u("DELETE",l),async stream(l,p,h){let i=new URLSearchParams;l&&i.set("cursor",l);let _=await a(`${n}/events/stream?${i}`,{headers:s,signal:h});if(!_.ok||!_.body){let y=new B(_.status,"stream_failed",`The event stream answered ${_.status}.`);throw(_.status===429||_.status===503)&&(y.retryAfter=bt(_)),await _.body?.cancel(),_.status===401&&o&&o(y),y}let f=_.body.pipeThrough(new TextDecoderStream).getReader(),v="";for(;;){let{value:y,done:g}=await f.read();if(g)return;v+=y;let m;for(;(m=v.indexOf(`

`))>=0;){let b=v.slice(0,m);v=v.slice(m+2);let P={};for(let T of b.split(`
`)){let U=T.indexOf(":");if(U<=0)continue;let w=T.slice(0,U),A=T.slice(U+1).replace(/^ /,"");P[w]=P[w]?`${P[w]}
${A}`:A}p(P)}}}};return c.events=$t(c),c}async function vt(e,t){if(!ee(e))throw new B(0,"invalid_id","That is not an account id (they look like `acct_\u2026`).");let o=Ne(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new B(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function he(e,t=250,o=1e3){let n=null,s=0,r=()=>{let a=performance.now();s||(s=a),clearTimeout(n),n=setTimeout(()=>{n=null,s=0,e()},Math.max(0,Math.min(t,s+o-a)))};return r.cancel=()=>{clearTimeout(n),n=null,s=0},r}function yt(e){let t=null,o=null,n=()=>t?(o??(o=t.catch(()=>{}).then(()=>(o=null,n()))),o):(t=Promise.resolve().then(e).finally(()=>{t=null}),t);return n}function R(e,t,o){let[n,s]=$({data:void 0,error:null}),r=L(e);r.current=e;let a=L(0),u=V(()=>{let c=yt(async()=>{let l=a.current;try{let p=await r.current();return l===a.current&&s({data:p,error:null}),p}catch(p){l===a.current&&s(h=>({data:h.data,error:p}));return}});return{reload:c,refresh:he(c)}},[]);return I(()=>{a.current+=1,s({data:void 0,error:null}),u.reload();let c=o?setInterval(()=>{document.visibilityState==="visible"&&u.reload()},o):null;return()=>{clearInterval(c),u.refresh.cancel()}},t),{...n,...u}}function Ae(e,t,o){let n=L(t);n.current=t,I(()=>e.events.subscribe(s=>n.current(s),o),[e,o])}function C({error:e}){return e?d`<p class="error" role="alert">${e.message}${e.requestId?d` <span class="request-id">(request <code>${e.requestId}</code>)</span>`:null}</p>`:null}function G(e,t,o,n,s="total"){let r=R(()=>e(0),o,n),[a,u]=$({items:[],error:null,busy:!1});I(()=>u({items:[],error:null,busy:!1}),o);let c=r.data?.[t]??[],l=new Set(c.map(_=>_.id)),p=[...c,...a.items.filter(_=>!l.has(_.id))],h=r.data?.[s],i=async()=>{u(_=>({..._,busy:!0,error:null}));try{let _=await e(c.length+a.items.length);u(f=>({items:[...f.items,..._[t]],error:null,busy:!1}))}catch(_){u(f=>({...f,error:_,busy:!1}))}};return{...r,items:p,total:h,hasMore:typeof h=="number"&&p.length<h,more:i,busy:a.busy,moreError:a.error}}function Y({list:e,what:t}){return e.data?d`<div class="show-more">
    ${e.hasMore?d`<p class="muted" aria-live="polite">Showing ${e.items.length} of ${e.total} ${t}.</p>
          <button type="button" class="secondary" disabled=${e.busy} onClick=${e.more}>Show more ${t}</button>`:null}
    <${C} error=${e.moreError} />
  </div>`:null}function gt({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending"}[e]??e;return d`<span class="badge badge-${e}">${t}</span>`}function N({children:e}){return d`<div class="empty">${e}</div>`}function fe({secret:e,title:t,onDone:o}){let[n,s]=$(!1),r=L(null);return d`
    <section class="secret" role="alert" aria-labelledby="secret-title">
      <h3 id="secret-title">${t}</h3>
      <p><strong>Copy this signing secret now: it is shown only once.</strong> Your receiver
        needs it to check signatures; if you lose it, rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code ref=${r} data-testid="secret">${e}</code>
        <button type="button" onClick=${async()=>{try{await navigator.clipboard.writeText(e),s(!0)}catch{let u=document.createRange();u.selectNodeContents(r.current);let c=window.getSelection();c.removeAllRanges(),c.addRange(u)}}}>${n?"Copied":"Copy secret"}</button>
      </div>
      <p class="muted" aria-live="polite">${n?"The secret is on your clipboard.":""}</p>
      <button type="button" class="secondary" onClick=${o}>I have stored it</button>
    </section>`}function Le({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let a=L(null);return I(()=>{let u=a.current;u&&(e&&!u.open&&u.showModal(),!e&&u.open&&u.close())},[e]),d`
    <dialog ref=${a} aria-labelledby="confirm-title" onCancel=${u=>{u.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var no=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),ro=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),O=e=>e?no.format(new Date(e)):"\u2014",me=e=>ro.format(new Date(e));function De(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var $e=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,q=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function wt(e){if(e==null)return"\u2014";let t=Math.max(0,Math.floor(e));return t<60?`${t} s`:t<3600?`${Math.floor(t/60)} min${t%60?` ${t%60} s`:""}`:t<86400?`${Math.floor(t/3600)} h${t%3600>=60?` ${Math.floor(t%3600/60)} min`:""}`:`${Math.floor(t/86400)} d${t%86400>=3600?` ${Math.floor(t%86400/3600)} h`:""}`}function te(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function kt(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var be=160,M={left:44,right:8,top:10,bottom:22},K=be-M.top-M.bottom,xt="(max-width: 600px)";function St(){let[e,t]=$(()=>matchMedia(xt).matches);I(()=>{let n=matchMedia(xt),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-M.left-M.right]}function Et(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function Ct({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],a=Math.max(1,Math.round(o.length/(e<600?3:4)));return d`
    <g class="axis" aria-hidden="true">
      ${r.map(u=>{let c=M.top+K-u/n*K;return d`<line x1=${M.left} x2=${e-M.right} y1=${c} y2=${c} class="grid" />
          <text x=${M.left-6} y=${c+4} text-anchor="end">${s(u)}</text>`})}
      ${o.map((u,c)=>c%a===0?d`<text x=${M.left+(c+.5)*(t/o.length)} y=${be-6} text-anchor="middle">${me(u.start)}</text>`:null)}
    </g>`}function ve({minutes:e}){let[t,o]=St();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((l,p)=>l+p.succeeded,0),s=e.reduce((l,p)=>l+p.failed,0),r=Et(Math.max(...e.map(l=>l.succeeded+l.failed))),a=o/e.length,u=l=>l/r*K,c=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${be}" role="img" aria-label=${c}>
        <${Ct} W=${t} plotW=${o} minutes=${e} max=${r} unit=${l=>String(Math.round(l))} />
        ${e.map((l,p)=>{let h=M.left+p*a+a*.15,i=u(l.succeeded),_=u(l.failed),f=M.top+K;return d`<g>
            <title>${me(l.start)}: ${l.succeeded} succeeded, ${l.failed} failed</title>
            ${l.succeeded?d`<rect class="ok" x=${h} width=${a*.7} y=${f-i} height=${i} />`:null}
            ${l.failed?d`<rect class="fail" x=${h} width=${a*.7} y=${f-i-_} height=${_} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function ye({minutes:e}){let[t,o]=St();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(l=>[l.p50_ms,l.p99_ms]).filter(l=>l!=null),s=Et(Math.max(1,...n)),r=o/e.length,a=l=>{let p="",h=!1;return e.forEach((i,_)=>{let f=i[l];if(f==null){h=!1;return}let v=M.left+(_+.5)*r,y=M.top+K-f/s*K;p+=`${h?"L":"M"}${v.toFixed(1)},${y.toFixed(1)}`,h=!0}),p},u=[...e].reverse().find(l=>l.p50_ms!=null),c=u?`Attempt latency: latest minute with attempts p50 ${q(u.p50_ms)}, p99 ${q(u.p99_ms)}.`:"Attempt latency: no attempts in this window.";return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${be}" role="img" aria-label=${c}>
        <${Ct} W=${t} plotW=${o} minutes=${e} max=${s} unit=${l=>q(Math.round(l))} />
        <path class="p99" d=${a("p99_ms")} />
        <path class="p50" d=${a("p50_ms")} />
        ${e.map((l,p)=>l.p50_ms==null?null:d`<circle class="p99" cx=${M.left+(p+.5)*r} cy=${M.top+K-l.p99_ms/s*K} r="2.5"><title>${me(l.start)}: p50 ${q(l.p50_ms)}, p99 ${q(l.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function ge({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,a]=$(t?.url??""),[u,c]=$(t?.events??["user.created"]),[l,p]=$(t?.room_id??""),[h,i]=$(t?.enabled??!0),[_,f]=$(null),[v,y]=$(!1),[g,m]=$(""),b=R(()=>e.get(`/rooms?${new URLSearchParams(g?{limit:D,search:g}:{limit:D})}`),[e,g]),P=g!==""||(b.data?.total??0)>D,T=w=>c(A=>A.includes(w)?A.filter(z=>z!==w):[...A,w]);return d`
    <form class="panel form" onSubmit=${async w=>{if(w.preventDefault(),u.length===0){f(new Error("Pick at least one event."));return}y(!0),f(null);try{await n({url:r.trim(),events:u,room_id:l||null,enabled:h})}catch(A){f(A)}finally{y(!1)}}} aria-busy=${v}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${w=>a(w.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${Z.map(w=>d`<label class="check">
              <input type="checkbox" checked=${u.includes(w)} onChange=${()=>T(w)} />
              <code>${w}</code>
            </label>`)}
        </div>
      </fieldset>
      ${P?d`<label for="wh-room-search">Filter the list by name</label>
            <input id="wh-room-search" type="search" value=${g} onInput=${w=>m(w.target.value)} />`:null}
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${l} onChange=${w=>p(w.target.value)}>
        <option value="">Every room of the account</option>
        ${(b.data?.rooms??[]).map(w=>d`<option value=${w.id}>${w.name}${w.custom_id?` (${w.custom_id})`:""}</option>`)}
        ${l&&!(b.data?.rooms??[]).some(w=>w.id===l)?d`<option value=${l}>${l}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${h} onChange=${w=>i(w.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${C} error=${_} />
      <div class="actions">
        ${s?d`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${v}>${o}</button>
      </div>
    </form>`}function Ue({health:e}){return!e||e.last_outcome==null?d`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?d`<span class="badge badge-failed">Failing</span> <span class="muted">since ${De(e.failing_since)}</span>`:d`<span class="badge badge-success">Succeeded</span> <span class="muted">${De(e.last_attempt_minute)}</span>`}function We({api:e,reloadKey:t}){let o=L(new Map),n=G(async s=>{let r=new URLSearchParams({limit:String(D)}),a=o.current.get(s);a?r.set("cursor",a):s&&r.set("offset",String(s));let[u,c]=await Promise.all([e.get(`/webhooks?limit=${D}&offset=${s}`),e.get(`/stats/webhooks?${r}`)]);c.next_cursor&&o.current.set(s+u.webhooks.length,c.next_cursor);let l=new Map(c.webhooks.map(p=>[p.webhook_id,p]));return{...u,webhooks:u.webhooks.map(p=>({...p,health:l.get(p.id)}))}},"webhooks",[e,t],1e4);return n.data===void 0&&!n.error?d`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:n.data&&n.items.length===0?d`<${N}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`:d`
    <${C} error=${n.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${n.items.map(s=>d`<tr>
              <td class="url"><a href=${`#/webhooks/${encodeURIComponent(s.id)}`}>${s.url}</a>${s.room_id?d`<div class="muted">room ${s.room_id}</div>`:null}</td>
              <td data-label="Events">${s.events.length===7?"all 7":s.events.join(", ")}</td>
              <td data-label="Status">${s.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${Ue} health=${s.health} /></td>
              <td data-label="Success (24 h)">${$e(s.health?.success_rate_24h)} <span class="muted">${s.health?.attempts_24h?`of ${s.health.attempts_24h}`:""}</span></td>
            </tr>`)}
        </tbody>
      </table>
    </div>
    <${Y} list=${n} what="webhooks" />`}function Pt({api:e,creating:t}){let[o,n]=$(null),[s,r]=$(0),a=async u=>{let c=await e.post("/webhooks",u);n(c.webhook),r(l=>l+1),location.hash="#/webhooks"};return d`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${t?null:d`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${o?d`<${fe} title=${`Webhook created for ${o.url}`} secret=${o.secret} onDone=${()=>n(null)} />`:null}
    ${t?d`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${ge} api=${e} submitLabel="Create webhook" onSubmit=${a} onCancel=${()=>location.hash="#/webhooks"} />
        </section>`:null}
    <${We} api=${e} reloadKey=${s} />`}function Rt({api:e}){let t=R(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return d`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${C} error=${t.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${ve} minutes=${t.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${ye} minutes=${t.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${We} api=${e} />
    </section>`}function so(e){let t={};return e.split(`
`).forEach((o,n)=>{if(o.trim()==="")return;let s=o.indexOf(":");if(s<1)throw new Error(`Line ${n+1}: write each header as \u201CName: value\u201D.`);t[o.slice(0,s).trim()]=o.slice(s+1).trim()}),t}var ao=e=>Object.entries(e).map(([t,o])=>`${t}: ${o}`).join(`
`);function Tt({api:e,id:t,ready:o}){let n=R(async()=>{if(!o)return;let[b,P]=await Promise.all([e.get(x`/webhooks/${t}/headers`),e.get(x`/webhooks/${t}/rate-limit`)]);return{headers:b.headers,perSecond:P.per_second}},[e,t,o]),[s,r]=$(!1),[a,u]=$(""),[c,l]=$(""),[p,h]=$(null),[i,_]=$(null),f=n.data,v=f?Object.keys(f.headers):[],y=async(b,P)=>{h(null),_(null);try{await b(),await n.reload(),_(P)}catch(T){h(T)}},g=b=>{b.preventDefault(),y(async()=>{await e.put(x`/webhooks/${t}/headers`,{headers:so(a)}),r(!1)},"Headers saved.")},m=b=>{b.preventDefault(),y(()=>e.put(x`/webhooks/${t}/rate-limit`,{per_second:Number(c)}),"Rate limit saved.")};return d`
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Delivery settings</h2>
      <${C} error=${n.error??p} />
      ${i?d`<p class="notice" role="status">${i}</p>`:null}
      <div class="panel facts">
        <dl>
          <dt>Custom headers</dt>
          <dd data-testid="headers">${f===void 0?"\u2026":v.length===0?d`<span class="muted">None</span>`:v.map(b=>d`<code class="tag">${b}</code> `)}</dd>
          <dt>Rate limit</dt>
          <dd data-testid="rate-limit">${f===void 0?"\u2026":f.perSecond===null?d`<span class="muted">None</span>`:`${f.perSecond} deliveries per second, over every node`}</dd>
        </dl>
        <div class="actions">
          <button type="button" class="secondary" aria-expanded=${s} disabled=${f===void 0}
            onClick=${()=>{u(ao(f.headers)),r(!s)}}>Edit headers</button>
          ${f?.perSecond!==null&&f!==void 0?d`<button type="button" class="secondary"
                onClick=${()=>y(()=>e.put(x`/webhooks/${t}/rate-limit`,{per_second:null}),"Rate limit removed.")}>Remove rate limit</button>`:null}
        </div>
        ${s?d`<form class="form" onSubmit=${g}>
              <label for="wh-headers">Headers, one per line (“Name: value”); saving replaces them all</label>
              <textarea id="wh-headers" rows="4" spellcheck="false" value=${a} onInput=${b=>u(b.target.value)}
                placeholder="Authorization: Bearer …"></textarea>
              <div class="actions">
                <button type="button" class="secondary" onClick=${()=>r(!1)}>Cancel</button>
                <button type="submit">Save headers</button>
              </div>
            </form>`:null}
        <form class="form" onSubmit=${m}>
          <label for="wh-rate">Deliveries per second at most (1 to 10,000)</label>
          <div class="actions">
            <input id="wh-rate" type="number" min="1" max="10000" step="1" required value=${c}
              onInput=${b=>l(b.target.value)} />
            <button type="submit">Save rate limit</button>
          </div>
        </form>
      </div>
    </section>`}function Mt({api:e,id:t}){let o=R(async()=>{let[{webhook:_},f]=await Promise.all([e.get(x`/webhooks/${t}`),e.get(x`/stats/webhooks?webhook_id=${t}`)]);return{webhook:_,health:f.webhooks.find(v=>v.webhook_id===t)}},[e,t],1e4),[n,s]=$(!1),[r,a]=$(null),[u,c]=$(null),[l,p]=$(null);if(o.error?.status===404)return d`<h1>Webhook not found</h1><${N}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let h=o.data?.webhook,i=async _=>{p(null);try{await _(),await o.reload()}catch(f){p(f)}};return d`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${h?.url??"Webhook"}</h1>
    <${C} error=${l??o.error} />
    ${r?d`<${fe} title="New signing secret" secret=${r} onDone=${()=>a(null)} />`:null}
    ${h?d`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${h.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${Ue} health=${o.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${$e(o.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${h.events.map(_=>d`<code class="tag">${_}</code> `)}</dd>
            <dt>Room</dt><dd>${h.room_id??"Every room"}</dd>
            <dt>Id</dt><dd><code>${h.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${()=>s(!n)} aria-expanded=${n}>Edit</button>
            <button type="button" class="secondary" onClick=${()=>i(()=>e.patch(x`/webhooks/${t}`,{enabled:!h.enabled}))}>${h.enabled?"Disable":"Enable"}</button>
            <button type="button" class="secondary" onClick=${()=>c("rotate")}>Rotate secret</button>
            <button type="button" class="danger" onClick=${()=>c("delete")}>Delete</button>
          </div>
        </div>
        ${n?d`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${ge} api=${e} initial=${h} submitLabel="Save changes"
                onSubmit=${async _=>{await e.patch(x`/webhooks/${t}`,_),s(!1),await o.reload()}}
                onCancel=${()=>s(!1)} /></section>`:null}`:d`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${Le} open=${u==="delete"} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${()=>c(null)}
      onConfirm=${async()=>{c(null);try{await e.del(x`/webhooks/${t}`),location.hash="#/webhooks"}catch(_){p(_)}}}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${h?.url}</code>.</p>
    <//>
    <${Le} open=${u==="rotate"} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${()=>c(null)}
      onConfirm=${()=>{c(null),i(async()=>a((await e.post(x`/webhooks/${t}/rotate-secret`)).webhook.secret))}}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${Tt} api=${e} id=${t} ready=${!!h} />
    <${io} api=${e} id=${t} />
    <${lo} api=${e} id=${t} />`}function io({api:e,id:t}){let o=R(()=>e.get(`/stats/deliveries?${new URLSearchParams({minutes:"60",webhook_id:t})}`),[e,t],1e4);return d`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${C} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${ve} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${ye} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function lo({api:e,id:t}){let[o,n]=$(""),[s,r]=$(""),[a,u]=$([]),[c,l]=$(void 0),[p,h]=$(null),i=()=>{let m=new URLSearchParams({limit:"25"});return o&&m.set("status",o),s&&m.set("event",s),m},_=R(async()=>await e.get(`${x`/webhooks/${t}/deliveries`}?${i()}`),[e,t,o,s],3e3),f=[..._.data?.deliveries??[],...a.filter(m=>!(_.data?.deliveries??[]).some(b=>b.id===m.id))],v=c===void 0?_.data?.next_cursor:c,y=async()=>{let m=i();m.set("cursor",v);let b=await e.get(`${x`/webhooks/${t}/deliveries`}?${m}`);u(P=>[...P,...b.deliveries]),l(b.next_cursor)},g=m=>b=>{m(b.target.value),u([]),l(void 0)};return d`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries${typeof _.data?.total=="number"?d` <span class="muted">(${_.data.total})</span>`:null}</h2>
      <div class="filters">
        <label>Status
          <select value=${o} onChange=${g(n)}>
            <option value="">Any</option><option value="pending">Pending</option>
            <option value="success">Succeeded</option><option value="failed">Failed</option>
          </select>
        </label>
        <label>Event
          <select value=${s} onChange=${g(r)}>
            <option value="">Any</option>
            ${Z.map(m=>d`<option value=${m}>${m}</option>`)}
          </select>
        </label>
      </div>
      <${po} api=${e} id=${t} onDone=${_.reload} />
      <${C} error=${_.error} />
      ${_.data===void 0&&!_.error?d`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:f.length===0?d`<${N}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:d`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${f.map(m=>d`<${co} key=${m.id} api=${e} id=${t} d=${m} open=${p===m.id}
                onToggle=${()=>h(p===m.id?null:m.id)} onRetried=${_.reload} />`)}
            </ul>`}
      ${v?d`<button type="button" class="secondary" onClick=${y}>Load older deliveries</button>`:null}
    </section>`}function co({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return d`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${gt} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${O(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?d`<span class="muted">next try ${O(o.next_retry_at)}</span>`:null}
      </button>
      ${n?d`<${uo} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function uo({api:e,id:t,d:o,onRetried:n}){let s=R(()=>e.get(x`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,a]=$(null),[u,c]=$(!1);return d`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${async()=>{a(null);try{await e.post(x`/webhooks/${t}/deliveries/${o.id}/retry`),c(!0),n()}catch(p){a(p)}}}>Retry delivery</button>
        <span class="muted" aria-live="polite">${u?"Scheduled: it is attempted again now.":""}</span>
      </div>
      <${C} error=${r??s.error} />
      <h3>Attempts</h3>
      ${s.data?.attempts?.length===0?d`<p class="muted">Not attempted yet.</p>`:d`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(s.data?.attempts??[]).map(p=>d`<tr>
                <td>${O(p.attempted_at)}</td>
                <td>${p.status_code??"\u2014"}</td>
                <td>${q(p.duration_ms)}</td>
                <td>${p.error??""}</td>
                <td><code class="body">${p.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${te(o.payload)}</pre>
    </div>`}function po({api:e,id:t,onDone:o}){let[n,s]=$(kt(new Date(Date.now()-36e5))),[r,a]=$(null),[u,c]=$(null);return d`
    <form class="recover" onSubmit=${async p=>{p.preventDefault(),c(null);try{let h=await e.post(x`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});a(`${h.scheduled} failed deliver${h.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(h){c(h)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${p=>s(p.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${C} error=${u} />
    </form>`}var It=e=>`#/rooms/${encodeURIComponent(e)}`,Nt=e=>!e||/^(participant|session)\./.test(e.event);function _o(e){let[t,o]=$({}),n=L(null);return n.current??(n.current=(()=>{let s=new Set,r=new Set,a=new Set,u=new Set,c=!1,l=i=>s.has(i)&&(!a.has(i)||r.has(i)),p=async i=>{if(!(u.has(i)||!l(i))){u.add(i),r.delete(i);try{let _=await e.get(x`/rooms/${i}/participants`);if(c)return;o(f=>({...f,[i]:_.participants}))}catch{}finally{a.add(i),u.delete(i)}c||p(i)}},h=typeof IntersectionObserver=="function"?new IntersectionObserver(i=>{for(let _ of i){let f=_.target.dataset.room;_.isIntersecting?(s.add(f),p(f)):s.delete(f)}},{rootMargin:"200px"}):null;return{watch(i){return h?h.observe(i):(s.add(i.dataset.room),p(i.dataset.room)),()=>{h?.unobserve(i),s.delete(i.dataset.room)}},stale(i){if(i)r.add(i);else for(let _ of a)r.add(_)},flush(i){for(let _ of s)(!i||i.has(_))&&p(_)},stop(){c=!0,h?.disconnect()}}})()),I(()=>()=>n.current.stop(),[]),[t,n.current]}function At({participants:e}){return e===void 0?d`<span class="muted">…</span>`:e.length===0?d`<span class="muted">Nobody connected</span>`:d`<ul class="people">
    ${e.map(t=>d`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function ho({room:e,participants:t,rooms:o}){let n=L(null);return I(()=>o.watch(n.current),[e.id]),d`<li class="panel room" data-room=${e.id} ref=${n}>
    <h2><a href=${It(e.id)}>${e.name}</a> <span class="muted">${e.custom_id??""}</span></h2>
    <${At} participants=${t} />
  </li>`}function Lt({api:e}){let t=R(()=>e.get(`/rooms?live=true&limit=${D}`),[e],3e4),o=G(c=>e.get(`/rooms?limit=${D}&offset=${c}`),"rooms",[e],3e4),[n,s]=_o(e),r=L(!1),a=V(()=>he(async()=>{let c;if(r.current){r.current=!1;let l=await t.reload();l&&(c=new Set(l.rooms.map(p=>p.id)))}s.flush(c)}),[]);I(()=>()=>a.cancel(),[]),Ae(e,c=>{Nt(c)&&((!c||c.event.startsWith("session."))&&(r.current=!0),s.stale(c?.room_id),a())});let u=t.data?.rooms??[];return d`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${u.length} room${u.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${C} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?d`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:u.length===0?d`<${N}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:d`<ul class="rooms">
            ${u.map(c=>d`<${ho} key=${c.id} room=${c} participants=${n[c.id]} rooms=${s} />`)}
          </ul>`}
    ${t.data?.next_cursor?d`<p class="muted">Showing the first ${D} live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms${typeof o.total=="number"?d` <span class="muted">(${o.total})</span>`:null}</h2>
      ${o.data&&o.items.length===0?d`<${N}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:d`<ul class="room-links">
            ${o.items.map(c=>d`<li><a href=${It(c.id)}>${c.name}</a> <span class="muted">${c.custom_id??""}</span></li>`)}
          </ul>`}
      <${Y} list=${o} what="rooms" />
    </section>`}function fo({data:e}){let t=e?.room,o=(n,s,r)=>d`<div title=${r}><dt>${n}</dt><dd>${t?s:"\u2026"}</dd></div>`;return d`<dl class="stats">
    ${o("Active participants",t?.active_participants,"Users participating now (active_participants)")}
    ${o("Time in session",wt(t?.duration_seconds),"The summed length of the room\u2019s sessions, the live one up to the last read (duration_seconds)")}
    ${o("Users now",e?.usersTotal,"Users of the room now (usersTotal)")}
    ${o("Users ever created",t?.total_users_created,"Users ever created in the room (total_users_created)")}
  </dl>`}function mo({list:e}){return e.data&&e.items.length===0?d`<${N}><p>No users in this room. Create one with <code>POST /v1/accounts/{id}/users</code>.</p><//>`:d`<ul class="users" aria-label="Users of the room">
    ${e.items.map(t=>d`<li data-user=${t.id}>
        <span class="dot ${t.status==="online"?"":"offline"}" aria-hidden="true"></span>
        <strong>${t.name}</strong>
        <span class="badge ${t.status==="online"?"badge-on":"badge-off"}">${t.status==="online"?"Online":"Offline"}</span>
        ${t.custom_id?d`<code class="tag">${t.custom_id}</code>`:null}
        <span class="muted">${t.status==="online"?`since ${O(t.joined_at)}`:t.left_at?`last seen ${O(t.left_at)}`:"never connected"}</span>
      </li>`)}
  </ul>`}var $o=e=>e>=1024*1024?`${(e/1024/1024).toFixed(1)} MiB`:e>=1024?`${(e/1024).toFixed(1)} KiB`:`${e} bytes`;function bo({api:e,id:t}){let o=R(()=>e.get(x`/rooms/${t}/stores`),[e,t]),n=o.data?.stores;return d`<section aria-labelledby="stores-title">
    <h2 id="stores-title">Stores</h2>
    <${C} error=${o.error} />
    ${n===void 0?d`<p class="muted">…</p>`:n.length===0?d`<${N}><p>No store has been written in this room yet.</p><//>`:d`<ul class="stores">
            ${n.map(s=>d`<li key=${s.name} data-store=${s.name}><${vo} api=${e} room=${t} store=${s} /></li>`)}
          </ul>`}
    <p><button type="button" class="secondary" onClick=${()=>o.refresh()}>Refresh stores</button></p>
  </section>`}function vo({api:e,room:t,store:o}){let[n,s]=$(!1);return d`<details class="panel" onToggle=${r=>s(r.currentTarget.open)}>
    <summary><code>${o.name}</code>
      <span class="muted"> ${o.entries} ${o.entries===1?"entry":"entries"} · version ${o.version} · ${$o(o.bytes)}</span></summary>
    ${n?d`<${yo} api=${e} room=${t} name=${o.name} />`:null}
  </details>`}function yo({api:e,room:t,name:o}){let n=G(s=>e.get(`${x`/rooms/${t}/stores/${o}`}?offset=${s}`).then(r=>({...r,entries:r.entries.map(a=>({...a,id:a.key}))})),"entries",[e,t,o]);return d`<${C} error=${n.error} />
    <div class="table-wrap"><table aria-label=${`Entries of ${o}`}>
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Version</th><th scope="col">Last written</th></tr></thead>
      <tbody>
        ${n.items.map(s=>d`<tr key=${s.key} data-key=${s.key}>
            <td><code>${s.key}</code></td>
            <td><pre class="payload">${te(JSON.stringify(s.value))}</pre></td>
            <td>${s.version}</td>
            <td>${O(s.updated_at)} <span class="muted">${s.updated_by?`by ${s.updated_by}`:"through the API"}</span></td>
          </tr>`)}
      </tbody>
    </table></div>
    <${Y} list=${n} what="entries" />`}function Dt({api:e,id:t}){let o=G(a=>e.get(a?`${x`/rooms/${t}`}?offset=${a}`:x`/rooms/${t}`),"users",[e,t],void 0,"usersTotal"),n=R(()=>e.get(x`/rooms/${t}/participants`),[e,t]),s=R(()=>e.get(x`/rooms/${t}/recent-events?limit=30`),[e,t]);if(Ae(e,a=>{s.refresh(),(Nt(a)||a.event.startsWith("user."))&&n.refresh(),o.refresh()},t),o.error?.status===404)return d`<h1>Room not found</h1><${N}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`;let r=o.data?.room;return d`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${r?.name??"Room"}</h1>
    <p class="muted">${r?d`<code>${r.id}</code>${r.custom_id?d` · customId <code>${r.custom_id}</code>`:null} · created ${O(r.created_at)}`:"\xA0"}</p>
    <${C} error=${o.error??s.error} />
    <${fo} data=${o.data} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${At} participants=${n.data?.participants} />
    </section>
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <${mo} list=${o} />
      <${Y} list=${o} what="users" />
    </section>
    <${bo} api=${e} id=${t} />
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?d`<${N}><p>Nothing has happened in this room yet.</p><//>`:d`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(a=>d`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${a.room_seq}</span>
                    <code>${a.event}</code> <span class="muted">${O(a.created_at)}</span>
                    ${a.payload.user?d` · ${a.payload.user.name}`:null}</summary>
                  <pre class="payload">${te(JSON.stringify(a.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}var Oe="collabkit.dashboard.credential";function go(){let[e,t]=$(location.hash||"#/");return I(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function wo(e){return e.replace(/^#\/?/,"").split("/").filter(Boolean).map(t=>{try{return decodeURIComponent(t)}catch{return null}})}function Ut({what:e,list:t}){return d`<h1>Not a valid ${e} id</h1><${N}><p>The address names no ${e} this dashboard can show.</p>${t}<//>`}function ko({onSignedIn:e,notice:t}){let[o,n]=$(""),[s,r]=$(""),[a,u]=$(null),[c,l]=$(!1);return d`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${async h=>{h.preventDefault(),l(!0),u(null);try{await vt(o.trim(),s.trim()),e({accountId:o.trim(),apiKey:s.trim()})}catch(i){u(i)}finally{l(!1)}}} aria-busy=${c}>
        <h1>CollabKit dashboard</h1>
        <p class="muted">Sign in with an account id and its API key: the ones <code>collabkit serve</code>
          printed on first start, or <code>collabkit accounts create</code>.</p>
        ${t?d`<p class="notice" role="status">${t}</p>`:null}
        <label for="account-id">Account id</label>
        <input id="account-id" autocomplete="username" required spellcheck="false"
          placeholder="acc_…" value=${o} onInput=${h=>n(h.target.value)} />
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required
          value=${s} onInput=${h=>r(h.target.value)} />
        ${a?d`<p class="error" role="alert">${a.message}</p>`:null}
        <button type="submit" disabled=${c}>${c?"Signing in\u2026":"Sign in"}</button>
        <p class="muted small">The key stays in this tab's session storage and is sent only to this server.</p>
      </form>
    </main>`}function xo({credential:e,onSignOut:t}){let o=go(),n=V(()=>Ne(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=wo(o),r=s[1],a,u="overview";s[0]==="webhooks"?(u="webhooks",r==="new"||r===void 0?a=d`<${Pt} api=${n} creating=${r==="new"} />`:ee(r)?a=d`<${Mt} api=${n} id=${r} key=${r} />`:a=d`<${Ut} what="webhook" list=${d`<a href="#/webhooks">All webhooks</a>`} />`):s[0]==="rooms"?(u="rooms",r===void 0?a=d`<${Lt} api=${n} />`:ee(r)?a=d`<${Dt} api=${n} id=${r} key=${r} />`:a=d`<${Ut} what="room" list=${d`<a href="#/rooms">All rooms</a>`} />`):a=d`<${Rt} api=${n} />`,I(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms"}[u]} \xB7 CollabKit`},[u]);let c=(l,p,h)=>d`<a href=${l} aria-current=${u===p?"page":void 0}>${h}</a>`;return d`
    <a class="skip" href="#main" onClick=${l=>{l.preventDefault(),document.getElementById("main").focus()}}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${c("#/","overview","Overview")}
        ${c("#/webhooks","webhooks","Webhooks")}
        ${c("#/rooms","rooms","Live rooms")}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${e.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${()=>t()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${a}</main>`}function So(){let[e,t]=$(()=>{try{return JSON.parse(sessionStorage.getItem(Oe))}catch{return null}}),[o,n]=$(null);return e?d`<${xo} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Oe),n(s??null),t(null)}} />`:d`<${ko} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Oe,JSON.stringify(s)),n(null),t(s)}} />`}var Wt=document.getElementById("app");Wt.textContent="";tt(d`<${So} />`,Wt);
